package lab

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// Info is a lab found on the host: its description, and whether its
// owner still runs.
type Info struct {
	Lab
	// Alive is true while the owner process runs.
	Alive bool
}

// List lists the labs on this host (runs with a File), live or dead.
func List() ([]Info, error) {
	runs, err := topology.Runs()
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, ri := range runs {
		data, err := os.ReadFile(filepath.Join(ri.Dir, File))
		if err != nil {
			continue // a plain run, or a lab still starting
		}
		var l Info
		if err := json.Unmarshal(data, &l.Lab); err != nil {
			continue
		}
		l.Alive = ri.Alive && ri.PID == l.OwnerPID
		out = append(out, l)
	}
	return out, nil
}

// Find picks the live lab named runID, or the only live lab when runID
// is empty; otherwise the error wraps ErrNotFound and says what to do.
func Find(runID string) (*Info, error) {
	labs, err := List()
	if err != nil {
		return nil, err
	}
	var live []Info
	for _, l := range labs {
		if l.Alive && (runID == "" || l.RunID == runID) {
			live = append(live, l)
		}
	}
	switch {
	case len(live) == 1:
		return &live[0], nil
	case len(live) == 0 && runID != "":
		return nil, notFound("no lab %s is up: 'c1m-testbed status' lists the labs", runID)
	case len(live) == 0:
		return nil, notFound("no lab is up: start one with 'sudo c1m-testbed up SCENARIO'")
	}
	ids := make([]string, len(live))
	for i, l := range live {
		ids[i] = l.RunID
	}
	return nil, notFound("%d labs are up (%s): name one with --run ID", len(live), strings.Join(ids, ", "))
}
