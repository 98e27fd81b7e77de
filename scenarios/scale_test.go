package scenarios

import (
	"fmt"
	"strings"
	"testing"
)

// TestLabsKeepMeaningWhenScaled iterates the built-in scenarios (no
// hand-kept list) and checks that each one scaled by 0.1 and 0.02 still
// teaches what it teaches whole: the same first limit, hit and expected
// when the whole lab expects it; a plan that fits when the whole one fits;
// max-established still below the connections; a note when it runs whole.
func TestLabsKeepMeaningWhenScaled(t *testing.T) {
	for _, b := range Builtins() {
		whole := mustLoad(t, b.Name)
		wp, werr := NewPlan(whole, DefaultEnv())
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
				p, err := NewPlan(sc, DefaultEnv())
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

func TestScaledLimits(t *testing.T) {
	pe, _ := mustLoad(t, "port-exhaustion").ScaledNote(0.1)
	if got := pe.Sysctl.Client["net.ipv4.ip_local_port_range"]; got != "32768 35590" || pe.Expect.MaxEstablished != 2823 {
		t.Errorf("port-exhaustion@0.1: range %q, max-established %d; want \"32768 35590\" (2,823 ports) and 2823", got, pe.Expect.MaxEstablished)
	}
	fm, _ := mustLoad(t, "file-max").ScaledNote(0.1)
	if got := fm.Host["fs.file-max"]; got != "+300" || fm.Expect.MaxEstablished != 299 {
		t.Errorf("file-max@0.1: %q, max-established %d; want +300 and 299", got, fm.Expect.MaxEstablished)
	}
	tm, note := mustLoad(t, "tcp-mem").ScaledNote(0.02)
	if tm.Client.Connections != 1000 || !strings.Contains(note, "below the floor") {
		t.Errorf("tcp-mem@0.02: %d connections, note %q; want it whole, tcp_mem below its floor", tm.Client.Connections, note)
	}
	_, note = mustLoad(t, "fd-limit").ScaledNote(0.1)
	if !strings.Contains(note, `declares scaling = "whole"`) {
		t.Errorf("fd-limit@0.1 note %q", note)
	}
	if _, note := mustLoad(t, "million").ScaledNote(0.1); note != "" {
		t.Errorf("million@0.1 note %q; want none", note)
	}
}
