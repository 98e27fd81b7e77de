package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// Runner runs a prepared sweep into its directory.
type Runner struct {
	// Dir is the sweep directory, made with CreateDir or OpenDir.
	Dir *results.Dir
	// Prepared is the sweep; runs already done (a resume) are skipped.
	Prepared *Prepared
	// Options are every run's options; Scenario, Scale, OutDir and
	// RunID are set per run.
	Options testbed.Options
	// Stop, when closed, stops the sweep after the current run (the
	// first Ctrl-C); cancelling Run's context stops the current run too.
	Stop <-chan struct{}
	// Log receives a line before and after each run; nil is quiet.
	Log io.Writer
}

// Run runs every run not done yet, in order, each a normal run into its
// own results directory inside the sweep directory, writing sweep.json
// and sweep.csv after each and the sweep report at the end (also when it
// stops). It returns ErrStopped when Stop or ctx ended it early, and the
// run's error when a run could not be made (the host refused, a results
// directory could not be written): the sweep stops there, its finished
// runs kept, for --resume.
func (r *Runner) Run(ctx context.Context) error {
	unlock, err := r.Dir.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	s := r.Prepared.Sweep
	s.Stopped = ""
	// Written before the first run, so that a sweep killed during it
	// (the OOM killer, kill -9) can still be resumed.
	if err := r.save(); err != nil {
		return err
	}
	log := r.Log
	if log == nil {
		log = io.Discard
	}
	total, done := len(s.Runs), 0
	for _, run := range s.Runs {
		if run.Done() {
			done++
		}
	}
	var took time.Duration // of the runs made in this sitting
	made := 0
	var stopErr error
	for i := range s.Runs {
		run := &s.Runs[i]
		if run.Done() {
			continue
		}
		if reason := r.stopped(ctx); reason != "" {
			s.Stopped = fmt.Sprintf("%s after %d of %d runs", reason, done, total)
			stopErr = ErrStopped
			break
		}
		left := r.remaining(i, made, took)
		fmt.Fprintf(log, "\n=== run %d of %d: %s, repeat %d of %d (about %s left) ===\n",
			done+1, total, pointName(s, run.Point), run.Repeat, s.Repeat, units.Duration(left.Round(time.Second)))
		start := time.Now()
		err := r.one(ctx, run)
		took += time.Since(start)
		made++
		if err2 := r.save(); err2 != nil && err == nil {
			err = err2
		}
		if err != nil {
			if ctx.Err() != nil {
				s.Stopped = fmt.Sprintf("stopped during run %s", run.Dir)
				stopErr = ErrStopped
			} else {
				s.Stopped = fmt.Sprintf("run %s could not be made: %v", run.Dir, err)
				stopErr = fmt.Errorf("run %s of the sweep: %w", run.Dir, err)
			}
			break
		}
		done++
		fmt.Fprintf(log, "=== %s: %s in %s ===\n", run.Dir, run.Status, units.Duration(run.Ended.Sub(run.Started).Round(100*time.Millisecond)))
	}
	if err := r.save(); err != nil && stopErr == nil {
		stopErr = err
	}
	if _, err := report.SweepFiles(r.Dir, s); err != nil && stopErr == nil {
		stopErr = fmt.Errorf("the sweep ran, but its report could not be written: %w", err)
	}
	return stopErr
}

// stopped says why the sweep must not start another run, or "".
func (r *Runner) stopped(ctx context.Context) string {
	if ctx.Err() != nil {
		return "stopped"
	}
	select {
	case <-r.Stop:
		return "stopped by Ctrl-C"
	default:
	}
	return ""
}

// remaining estimates the time of the runs from i on: from the runs made
// in this sitting once there are some, else from the planner.
func (r *Runner) remaining(i, made int, took time.Duration) time.Duration {
	s := r.Prepared.Sweep
	var est time.Duration
	n := 0
	for _, run := range s.Runs[i:] {
		if !run.Done() {
			est += r.Prepared.Estimates[run.Point]
			n++
		}
	}
	if made > 0 {
		return took / time.Duration(made) * time.Duration(n)
	}
	return est
}

// one makes run into its directory and records what it gave.
func (r *Runner) one(ctx context.Context, run *results.SweepRun) error {
	s := r.Prepared.Sweep
	// A run interrupted before is made again from nothing, removed
	// through the sweep directory's root (nothing outside it, no link
	// followed).
	if err := r.Dir.RemoveAll(run.Dir); err != nil {
		return fmt.Errorf("failed to clear the run's directory to make it again: %w", err)
	}
	opt := r.Options
	opt.Scenario = r.Prepared.Scenarios[run.Point]
	opt.Scale = s.Scale
	opt.OutDir = r.Dir.Join(run.Dir)
	opt.RunID = ""
	run.Started, run.Ended, run.Error, run.Metrics = time.Now().UTC(), time.Time{}, "", nil
	run.Status = results.StatusError
	out, err := testbed.Run(ctx, opt)
	run.Ended = time.Now().UTC()
	if err != nil {
		run.Error = err.Error()
		if ctx.Err() != nil {
			run.Status = results.StatusInterrupted
		}
		return err
	}
	run.Status = results.StatusFailed
	if out.Passed {
		run.Status = results.StatusPassed
	}
	if ctx.Err() != nil && !out.Passed {
		// Stopped by the second Ctrl-C: the figures are of a run cut
		// short, not of the point; a resume makes it again.
		run.Status = results.StatusInterrupted
		return ctx.Err()
	}
	rec, err := results.ReadRecord(out.Dir)
	if err != nil {
		run.Error = "its run.json could not be read: " + err.Error()
		return nil // the verdict stands; the run has no figures
	}
	run.Metrics = results.MetricsOf(rec)
	return nil
}

// save writes sweep.json and sweep.csv.
func (r *Runner) save() error {
	s := r.Prepared.Sweep
	if err := r.Dir.WriteSweep(s); err != nil {
		return fmt.Errorf("failed to write %s: %w", r.Dir.Join(results.SweepFile), err)
	}
	if err := r.Dir.WriteFile(results.SweepCSVFile, s.CSV()); err != nil {
		return fmt.Errorf("failed to write %s: %w", r.Dir.Join(results.SweepCSVFile), err)
	}
	return nil
}

// CreateDir makes a new sweep directory: a missing or empty one; a
// directory with anything in it is refused (to continue a sweep, resume it).
func CreateDir(path string) (*results.Dir, error) {
	if names, err := os.ReadDir(path); err == nil && len(names) > 0 {
		if _, err := os.Lstat(filepath.Join(path, results.SweepFile)); err == nil {
			return nil, fmt.Errorf("%w: %s holds a sweep already; continue it with --resume %s, or name a new directory", results.ErrUnsafeDir, path, path)
		}
		return nil, fmt.Errorf("%w: %s is not empty; name a new or empty directory for the sweep", results.ErrUnsafeDir, path)
	}
	return results.CreateDirFor(path, func(*results.Dir) bool { return false }, "a sweep")
}

// OpenDir opens a sweep directory to resume it and reads its sweep.json.
func OpenDir(path string) (*results.Dir, *results.Sweep, error) {
	d, err := results.OpenDir(path)
	if err != nil {
		return nil, nil, err
	}
	s, err := d.ReadSweep()
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, s, nil
}

// Adopt carries the runs of a sweep read back (old) into a freshly
// prepared one: same parameters, values and repeats, or an error saying
// what differs.
func (p *Prepared) Adopt(old *results.Sweep) error {
	s := p.Sweep
	if len(old.Runs) != len(s.Runs) || len(old.Points) != len(s.Points) {
		return errors.New("its grid no longer matches its own parameters")
	}
	if old.Scenario != s.Scenario {
		return fmt.Errorf("it ran scenario %q, and %s is now %q", old.Scenario, s.Source, s.Scenario)
	}
	for i := range s.Points {
		if !slices.Equal(old.Points[i].Values, s.Points[i].Values) {
			return fmt.Errorf("its point %d is %v, its parameters make %v", i+1, old.Points[i].Values, s.Points[i].Values)
		}
		if old.Points[i].Digest != "" && old.Points[i].Digest != s.Points[i].Digest {
			return fmt.Errorf("its scenario %s decodes differently now (point %d): it was changed since the sweep began; start a new sweep, or resume with the scenario as it was", s.Source, i+1)
		}
	}
	s.Created, s.Runs = old.Created, old.Runs
	return nil
}
