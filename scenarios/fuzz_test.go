package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the decoder arbitrary text: it must return a scenario or
// an *Error wrapping ErrInvalid, and never panic; a valid scenario must plan.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("*.toml")
	broken, _ := filepath.Glob("testdata/broken/*.toml")
	for _, name := range append(seeds, broken...) {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(minimal))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.toml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not an *Error wrapping ErrInvalid", err)
			}
			return
		}
		p, err := NewPlan(s, DefaultEnv())
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("plan error %v does not wrap ErrInvalid", err)
		}
		p.WriteTable(discard{})
		s.Scaled(0.5)
	})
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
