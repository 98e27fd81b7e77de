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

// FuzzOverride reads an arbitrary --set argument, as one override and
// as a sweep, and applies the override to smoke and to a scenario with
// nested and quoted sysctls: never a panic, every error an *Error
// wrapping ErrInvalid, a sweep within its bounds, and bounded time.
func FuzzOverride(f *testing.F) {
	for _, tt := range parseOverrideTests {
		f.Add(tt.in)
	}
	for _, tt := range parseSweepTests {
		f.Add(tt.in)
	}
	for _, tt := range overrideTests {
		for _, s := range tt.sets {
			f.Add(s)
		}
	}
	for _, tt := range refusedOverrideTests {
		for _, o := range tt.sets {
			f.Add(o.String())
		}
	}
	smoke, err := builtinFS.ReadFile("smoke.toml")
	if err != nil {
		f.Fatal(err)
	}
	invalid := func(t *testing.T, err error) {
		var e *Error
		if err != nil && (!errors.As(err, &e) || !errors.Is(err, ErrInvalid)) {
			t.Fatalf("error %v is not an *Error wrapping ErrInvalid", err)
		}
	}
	f.Fuzz(func(t *testing.T, arg string) {
		start := time.Now()
		_, values, err := ParseSweep(arg)
		invalid(t, err)
		if err == nil && len(values) > MaxSweepValues {
			t.Fatalf("%d values", len(values))
		}
		for _, v := range values {
			if v == "" || len(v) > MaxOverrideValue {
				t.Fatalf("value %q", v)
			}
		}
		o, err := ParseOverride(arg)
		invalid(t, err)
		if err == nil {
			for _, data := range [][]byte{smoke, []byte(overrideBase)} {
				s, err := ParseWith("fuzz.toml", data, []Override{o})
				invalid(t, err)
				if err == nil {
					if _, err := json.Marshal(s.Scaled(0.5)); err != nil {
						t.Fatalf("run.json cannot hold the scenario: %v", err)
					}
				}
			}
		}
		checkTime(t, start)
	})
}
