package topology

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Owner marks a run as owned by this process: RunDir/<runid>/owner holds
// the owner's PID and its start time, so a dead owner is told apart from an
// unrelated process that got the same PID later.
type Owner struct{ RunID, Dir string }

// RunInfo describes one run recorded under RunDir.
type RunInfo struct {
	RunID string
	Dir   string
	PID   int    // 0 when the owner record is missing or unreadable
	Start uint64 // the owner's start time, clock ticks since boot
	Alive bool   // the owner process still runs
}

// Claim records this process as the owner of runID. It fails if a live
// process owns the run already.
func Claim(runID string) (*Owner, error) {
	if err := ValidateRunID(runID); err != nil {
		return nil, err
	}
	start, err := ProcessStart(os.Getpid())
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(RunDir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create %s (are you root?): %w", RunDir, err)
	}
	dir := filepath.Join(RunDir, runID)
	// Build the record aside and rename it into place, so a run directory
	// is never seen without its owner.
	tmp, err := os.MkdirTemp(RunDir, ".claim-"+runID+"-")
	if err != nil {
		return nil, fmt.Errorf("failed to claim run %s: %w", runID, err)
	}
	defer os.RemoveAll(tmp)
	rec := fmt.Sprintf("pid=%d\nstart=%d\n", os.Getpid(), start)
	if err := writeSynced(filepath.Join(tmp, "owner"), rec); err != nil {
		return nil, fmt.Errorf("failed to claim run %s: %w", runID, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		info := readRun(runID)
		if info.Alive && info.PID != os.Getpid() {
			return nil, fmt.Errorf("run %s is owned by live process %d: pick another run id", runID, info.PID)
		}
		if info.PID == os.Getpid() && info.Start == start {
			return &Owner{RunID: runID, Dir: dir}, nil // claimed already by us
		}
		// A dead run of the same id: take its record over, keep its journal.
		if err := writeSynced(filepath.Join(dir, "owner"), rec); err != nil {
			return nil, fmt.Errorf("failed to claim run %s: %w", runID, err)
		}
	}
	return &Owner{RunID: runID, Dir: dir}, nil
}

// Release removes the run's record directory (owner and journal); call it
// after the journal was restored. Releasing twice is fine.
func (o *Owner) Release() error {
	if o == nil {
		return nil
	}
	// Move the record out of sight first, in one rename: removing it in
	// place leaves a moment when the directory exists without its owner
	// file, and a run starting meanwhile would take it for a dead run.
	gone := filepath.Join(RunDir, fmt.Sprintf(".release-%s-%d", o.RunID, os.Getpid()))
	dir := o.Dir
	if err := os.Rename(o.Dir, gone); err == nil {
		dir = gone
	} else if errors.Is(err, os.ErrNotExist) {
		return nil // released already
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("failed to remove run record %s: %w", dir, err)
	}
	return nil
}

// Runs lists every run recorded under RunDir, live or dead.
func Runs() ([]RunInfo, error) {
	ents, err := os.ReadDir(RunDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to list %s: %w", RunDir, err)
	}
	var out []RunInfo
	for _, e := range ents {
		if e.IsDir() && ValidateRunID(e.Name()) == nil {
			out = append(out, readRun(e.Name()))
		}
	}
	return out, nil
}

// DeadRuns lists the ids of runs whose owner process is gone.
func DeadRuns() ([]string, error) {
	runs, err := Runs()
	if err != nil {
		return nil, err
	}
	var dead []string
	for _, r := range runs {
		if !r.Alive {
			dead = append(dead, r.RunID)
		}
	}
	return dead, nil
}

// readRun reads the owner record of runID and checks whether it lives.
func readRun(runID string) RunInfo {
	info := RunInfo{RunID: runID, Dir: filepath.Join(RunDir, runID)}
	b, err := os.ReadFile(filepath.Join(info.Dir, "owner"))
	if err != nil {
		return info
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "pid":
			info.PID, _ = strconv.Atoi(v)
		case "start":
			info.Start, _ = strconv.ParseUint(v, 10, 64)
		}
	}
	// A record without a start time cannot tell its owner from a later
	// process with the same pid: it counts as dead.
	info.Alive = info.Start != 0 && ProcessAlive(info.PID, info.Start)
	return info
}

// writeSynced writes a small file and fsyncs it.
func writeSynced(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
