package report

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// run is one results directory read back, with what rendering computes
// of it once.
type run struct {
	*results.Run

	marks      []mark // phase boundaries (phaseBoundaries), once marksDone
	marksDone  bool
	marksNoted bool // the notice that not all marks are drawn was given
}

// load reads a results directory for rendering (results.Load).
func load(dir string) (*run, error) {
	r, err := results.Load(dir)
	if err != nil {
		return nil, err
	}
	return &run{Run: r}, nil
}

// loadDir reads an opened results directory for rendering (results.LoadDir).
func loadDir(d *results.Dir) (*run, error) {
	r, err := results.LoadDir(d)
	if err != nil {
		return nil, err
	}
	return &run{Run: r}, nil
}

// notice tells the reader what the report could not show.
func (r *run) notice(format string, args ...any) {
	r.Notices = append(r.Notices, fmt.Sprintf(format, args...))
}
