// Package experiment turns a scenario into an experiment: a grid of
// points (every combination of the values given to --set), each run
// several times, interleaved, into one sweep directory whose sweep.json,
// sweep.csv and report hold every run's figures with their spread. `run
// --repeat N` is the one-point case. docs/experiments.md explains it.
package experiment

import (
	"errors"
	"fmt"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// Design is what the command line asked for.
type Design struct {
	// Scenario is a built-in name or a path, as given.
	Scenario string
	// Set holds the overrides applied to every point (--set with one value).
	Set []scenarios.Override
	// Parameters are the swept keys (--set with two values or more), the
	// first drawn along the charts' x axis, the second as one line per value.
	Parameters []results.Parameter
	// Repeat is how many times each point runs.
	Repeat int
	// Scale multiplies connection counts as run --scale does.
	Scale float64
}

// ParseSets sorts --set arguments into fixed overrides (one value) and
// swept parameters (two or more), refusing a key given twice.
func ParseSets(args []string) (fixed []scenarios.Override, params []results.Parameter, err error) {
	seen := map[string]bool{}
	for _, a := range args {
		key, values, err := scenarios.ParseSweep(a)
		if err != nil {
			return nil, nil, err
		}
		norm := strings.TrimSpace(key)
		if seen[norm] {
			return nil, nil, fmt.Errorf("%w: --set %s is given twice; give it once with every value, e.g. --set %s=A,B,C", scenarios.ErrInvalid, key, key)
		}
		seen[norm] = true
		if len(values) == 1 {
			fixed = append(fixed, scenarios.Override{Key: key, Value: values[0]})
			continue
		}
		params = append(params, results.Parameter{Key: key, Values: values})
	}
	if len(params) > results.MaxSweepParameters {
		return nil, nil, fmt.Errorf("%w: %d parameters are swept; sweep at most %d at a time (the grid grows as their product)", scenarios.ErrInvalid, len(params), results.MaxSweepParameters)
	}
	return fixed, params, nil
}

// check refuses a design whose grid is empty or beyond the bounds.
func (d Design) check() error {
	if d.Repeat < 1 || d.Repeat > results.MaxSweepRepeat {
		return fmt.Errorf("%w: --repeat %d: give 1 to %d", scenarios.ErrInvalid, d.Repeat, results.MaxSweepRepeat)
	}
	n := d.Repeat
	for _, p := range d.Parameters {
		n *= len(p.Values)
		if n > results.MaxSweepRuns {
			return fmt.Errorf("%w: the grid is more than %d runs; sweep fewer values or repeat fewer times", scenarios.ErrInvalid, results.MaxSweepRuns)
		}
	}
	if err := scenarios.CheckScale(d.Scale); err != nil {
		return err
	}
	return nil
}

// Points lists every combination of the parameters' values, the last
// parameter varying fastest; one empty point when nothing is swept.
func Points(params []results.Parameter) []results.Point {
	points := []results.Point{{}}
	for _, p := range params {
		var next []results.Point
		for _, pt := range points {
			for _, v := range p.Values {
				next = append(next, results.Point{Values: append(append([]string(nil), pt.Values...), v)})
			}
		}
		points = next
	}
	return points
}

// Order lists the runs of points × repeat in the order they run: repeat
// r of every point before repeat r+1, so that drift over the sitting
// (another load, a warming cache) spreads over all points alike.
func Order(points, repeat int) []results.SweepRun {
	runs := make([]results.SweepRun, 0, points*repeat)
	for r := 1; r <= repeat; r++ {
		for p := range points {
			runs = append(runs, results.SweepRun{Point: p, Repeat: r, Dir: results.RunDirName(p, r), Status: results.StatusPending})
		}
	}
	return runs
}

// overrides is the full list of overrides of point p: the fixed ones,
// then each parameter's value.
func overrides(fixed []scenarios.Override, params []results.Parameter, pt results.Point) []scenarios.Override {
	out := append([]scenarios.Override(nil), fixed...)
	for i, p := range params {
		out = append(out, scenarios.Override{Key: p.Key, Value: pt.Values[i]})
	}
	return out
}

// ErrStopped means a sweep stopped before its last run (Ctrl-C); its
// directory holds what ran, and --resume continues it.
var ErrStopped = errors.New("the sweep stopped before its last run")
