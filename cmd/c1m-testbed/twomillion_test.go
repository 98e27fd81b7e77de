package main

import (
	"path/filepath"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// TestRunTwoMillionScaled runs two-million.toml at 0.5% (10,000
// connections, ~20 s) as CI's stand-in for the full run: its [host]
// settings (fs.file-max raised to 4.5M, a 2M-bucket ehash per namespace)
// are applied, read back as before afterwards, and nothing is left.
func TestRunTwoMillionScaled(t *testing.T) {
	hostlock.Exclusive(t)
	skipUnlessRoot(t)
	before, err := topology.ReadSysctl("fs.file-max")
	if err != nil {
		t.Fatal(err)
	}
	rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), "two-million"), "two-million", "--scale", "0.005", "--no-report")
	checkPassed(t, rec, code)
	assertClean(t, rec)
	if rec.Summary.PeakEstablished != 10000 {
		t.Errorf("peak_established = %d, want 10000", rec.Summary.PeakEstablished)
	}
	set := false
	for _, h := range rec.Host {
		set = set || h.Key == "fs.file-max" && h.Set == "4500000" && h.Restored
	}
	if !set {
		t.Errorf("run.json host = %+v: want fs.file-max set to 4500000 and restored", rec.Host)
	}
	if after, _ := topology.ReadSysctl("fs.file-max"); after != before {
		t.Errorf("fs.file-max = %s after the run, was %s", after, before)
	}
}
