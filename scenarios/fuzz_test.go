package scenarios

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds the decoder arbitrary text: it must return a scenario or
// an *Error wrapping ErrInvalid, never panic, and decide in bounded time.
// A valid scenario, whole and scaled, must be one run.json can hold
// (plan.FuzzPlan plans it).
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("*.toml")
	for _, dir := range []string{"testdata/broken", "testdata/hostile"} {
		more, _ := filepath.Glob(dir + "/*.toml")
		seeds = append(seeds, more...)
	}
	for _, name := range seeds {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(minimal))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		// C1M_FUZZ_SLOW=FILE keeps an input that takes over 3 s in FILE,
		// for finding one that hangs (the fuzzer itself cannot say which).
		if dump := os.Getenv("C1M_FUZZ_SLOW"); dump != "" {
			tm := time.AfterFunc(3*time.Second, func() { os.WriteFile(dump, data, 0o600) })
			defer tm.Stop()
		}
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
