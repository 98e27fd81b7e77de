package scenarios

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/scenarios/scenariotest"
)

// FuzzParse feeds the decoder arbitrary text: it must return a scenario or
// an *Error wrapping ErrInvalid, never panic, and decide in bounded time.
// A valid scenario, whole and scaled, must be one run.json can hold
// (plan.FuzzPlan plans it).
func FuzzParse(f *testing.F) {
	scenariotest.AddSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer scenariotest.KeepIfSlow(data)()
		s, err := Parse("fuzz.toml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not an *Error wrapping ErrInvalid", err)
			}
			checkTime(t, start)
			return
		}
		for _, sc := range []*Scenario{s, s.Scaled(0.5), s.Scaled(0.02)} {
			if _, err := json.Marshal(sc); err != nil {
				t.Fatalf("run.json cannot hold the scenario: %v", err)
			}
		}
		checkTime(t, start)
	})
}

func checkTime(t *testing.T, start time.Time) {
	t.Helper()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}
