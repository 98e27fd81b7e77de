package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestLabsKeepMeaningWhenScaled iterates the built-in scenarios (no
// hand-kept list) and checks that each one scaled by 0.1 and 0.02 still
// teaches what it teaches whole: the same first limit, hit and expected
// when the whole lab expects it; a plan that fits when the whole one fits;
// max-established still below the connections; a note when it runs whole.
func TestLabsKeepMeaningWhenScaled(t *testing.T) {
	for _, b := range scenarios.Builtins() {
		whole := mustLoad(t, b.Name)
		wp, werr := New(whole, DefaultEnv())
		if werr != nil {
			t.Fatalf("%s whole: %v", b.Name, werr)
		}
		for _, f := range []float64{0.1, 0.02} {
			t.Run(fmt.Sprintf("%s@%g", b.Name, f), func(t *testing.T) {
				sc, note := whole.ScaledNote(f)
				if sc.Client.Connections == whole.Client.Connections {
					if note == "" || !strings.Contains(note, "runs whole") {
						t.Errorf("ran whole without saying so (note %q)", note)
					}
					return
				}
				p, err := New(sc, DefaultEnv())
				if err != nil {
					t.Fatalf("the whole lab plans, the scaled one does not: %v", err)
				}
				if w := wp.First; !w.OK && w.Expected {
					if p.First.Name != w.Name || p.First.OK || p.First.Expected != w.Expected {
						t.Errorf("first limit %s (ok %v, expected %v); whole: %s (ok false, expected %v)",
							p.First.Name, p.First.OK, p.First.Expected, w.Name, w.Expected)
					}
				}
				for _, l := range p.Limits {
					if wl := limitNamed(wp, l.Name); wl != nil && wl.OK && !l.OK {
						t.Errorf("%s is hit scaled but not whole (need %d, have %d)", l.Name, l.Need, l.Have)
					}
				}
				if m := whole.Expect.MaxEstablished; m > 0 && m < whole.Client.Connections && sc.Expect.MaxEstablished >= sc.Client.Connections {
					t.Errorf("max-established %d is not below the %d connections any more", sc.Expect.MaxEstablished, sc.Client.Connections)
				}
				if sc.Expect.MinEstablished > sc.Client.Connections || sc.Expect.MaxEstablished > 0 && sc.Expect.MinEstablished > sc.Expect.MaxEstablished {
					t.Errorf("min-established %d, max-established %d, connections %d", sc.Expect.MinEstablished, sc.Expect.MaxEstablished, sc.Client.Connections)
				}
			})
		}
	}
}

func limitNamed(p *Plan, name string) *Limit {
	for i := range p.Limits {
		if p.Limits[i].Name == name {
			return &p.Limits[i]
		}
	}
	return nil
}
