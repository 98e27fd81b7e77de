package scenarios

import (
	"slices"
	"strings"
	"testing"
)

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

// TestScaledIPv6Neighbours: IPv6's neighbour thresholds shrink with the
// load like IPv4's.
func TestScaledIPv6Neighbours(t *testing.T) {
	s := mustLoad(t, "million")
	if s.Host == nil {
		s.Host = map[string]string{}
	}
	s.Host["net.ipv6.neigh.default.gc_thresh2"] = "2048"
	s.Host["net.ipv6.neigh.default.gc_thresh3"] = "4096"
	c := s.Scaled(0.5)
	if g2, g3 := c.Host["net.ipv6.neigh.default.gc_thresh2"], c.Host["net.ipv6.neigh.default.gc_thresh3"]; g2 != "1024" || g3 != "2048" {
		t.Errorf("Scaled(0.5): gc_thresh2 %q, gc_thresh3 %q; want 1024 and 2048", g2, g3)
	}
}

func TestScaled(t *testing.T) {
	s := mustLoad(t, "million")
	s.Phases = append(s.Phases, Phase{Kind: PhaseWait, Until: Condition{Metric: "established", Op: ">=", Value: 1000000}})
	c := s.Scaled(0.02)
	if c.Client.Connections != 20000 || c.Expect.MinEstablished != 20000 || c.Phases[len(c.Phases)-1].Until.String() != "established>=20000" {
		t.Errorf("Scaled(0.02) = %d connections, min %d, until %q", c.Client.Connections, c.Expect.MinEstablished, c.Phases[len(c.Phases)-1].Until)
	}
	if s.Client.Connections != 1000000 || s.Phases[len(s.Phases)-1].Until.String() != "established>=1000000" {
		t.Error("Scaled changed the original")
	}
	c.Topology.ServerPorts[0] = 1
	if s.Topology.ServerPorts[0] == 1 {
		t.Error("Scaled shares ServerPorts with the original")
	}
	if got := s.Scaled(1e-9).Client.Connections; got != 1 {
		t.Errorf("Scaled(1e-9) = %d connections; want at least 1", got)
	}
}

func TestServerCloseModeDefaults(t *testing.T) {
	src := "[server]\nclose-mode = \"rst\"\n[client]\nconnections = 1000\n[[phase]]\nkind = \"connect\"\n" +
		"[[phase]]\nkind = \"close\"\nside = \"server\"\nfraction = 0.5\n[[phase]]\nkind = \"close\"\nside = \"server\"\nmode = \"fin\"\nfraction = 0.5\n[[phase]]\nkind = \"close\"\nside = \"client\"\n"
	s, err := Parse("t.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{s.Phases[1].Mode, s.Phases[2].Mode, s.Phases[3].Mode}; !slices.Equal(got, []string{"rst", "fin", "fin"}) {
		t.Errorf("modes %v; want [rst fin fin]", got)
	}
}
