package experiment

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// TestAdoptRefusesAnotherScenario checks that a resume refuses a sweep
// whose scenario decodes differently now, or is another scenario.
func TestAdoptRefusesAnotherScenario(t *testing.T) {
	d := Design{Scenario: "smoke", Repeat: 1, Scale: 1, Parameters: []results.Parameter{{Key: "client.connections", Values: []string{"10k", "20k"}}}}
	p, err := Prepare(d, plan.DefaultEnv(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if p.Sweep.Points[0].Digest == "" || p.Sweep.Points[0].Digest == p.Sweep.Points[1].Digest {
		t.Fatalf("digests %q and %q: want one per point, different", p.Sweep.Points[0].Digest, p.Sweep.Points[1].Digest)
	}
	changed := *p.Sweep
	changed.Points = []results.Point{p.Sweep.Points[0], {Values: p.Sweep.Points[1].Values, Digest: "0000"}}
	if err := p.Adopt(&changed); err == nil || !strings.Contains(err.Error(), "decodes differently now (point 2)") {
		t.Errorf("Adopt of a changed scenario: %v", err)
	}
	other := *p.Sweep
	other.Scenario = "million"
	if err := p.Adopt(&other); err == nil || !strings.Contains(err.Error(), `it ran scenario "million"`) {
		t.Errorf("Adopt of another scenario: %v", err)
	}
}

// TestRunnerRefusesABusyDirectory checks that a second process never
// works in a sweep directory another one holds.
func TestRunnerRefusesABusyDirectory(t *testing.T) {
	dir, err := CreateDir(filepath.Join(t.TempDir(), "sweep"))
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	unlock, err := dir.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	p, err := Prepare(Design{Scenario: "smoke", Repeat: 1, Scale: 1}, plan.DefaultEnv(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := (&Runner{Dir: dir, Prepared: p}).Run(context.Background()); !errors.Is(err, results.ErrBusy) {
		t.Fatalf("Run in a locked directory: %v, want ErrBusy", err)
	}
	if _, err := os.Stat(dir.Join(results.SweepFile)); err == nil {
		t.Error("a refused run wrote sweep.json")
	}
}

// TestCreateDirRefuses checks that a new sweep never writes into a
// directory with anything in it, and says to resume one that holds a sweep.
func TestCreateDirRefuses(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, results.SweepFile), []byte("{}"), 0o644)
	if _, err := CreateDir(d); !errors.Is(err, results.ErrUnsafeDir) || !strings.Contains(err.Error(), "--resume "+d) {
		t.Errorf("CreateDir of a sweep's directory: %v", err)
	}
	d = t.TempDir()
	os.WriteFile(filepath.Join(d, "notes.txt"), nil, 0o644)
	if _, err := CreateDir(d); !errors.Is(err, results.ErrUnsafeDir) {
		t.Errorf("CreateDir of a directory with a file: %v", err)
	}
}
