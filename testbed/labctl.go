package testbed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// ErrNoLab marks a lab that was named but is not up (or several are up
// and none was named): the command line is wrong, not the host.
var ErrNoLab = errors.New("no such lab")

// noLab is an error wrapping ErrNoLab with its own message only.
func noLab(format string, args ...any) error {
	return &noLabError{fmt.Sprintf(format, args...)}
}

type noLabError struct{ msg string }

func (e *noLabError) Error() string { return e.msg }
func (e *noLabError) Unwrap() error { return ErrNoLab }

// DownWait bounds how long Down waits for a lab's owner to tear down.
const DownWait = 3 * time.Minute

// Down stops the live lab runID (or the only live lab when runID is
// ""): it signals the lab's owner, which stops the lab's processes,
// deletes its namespaces, restores the host settings and gives the host
// lock up; Down copies the owner's last log lines to w meanwhile and
// then checks that nothing of the lab is left. A lab that cannot be
// found is an error wrapping ErrNoLab.
func Down(runID string, w io.Writer) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: stopping a lab needs root: try 'sudo c1m-testbed down'", ErrRefused)
	}
	lab, err := FindLab(runID)
	if err != nil {
		return err
	}
	ri, ok := runInfo(lab.RunID)
	if !ok || !ri.Alive || ri.PID != lab.OwnerPID {
		return noLab("the owner of lab %s has just ended: 'sudo c1m-testbed clean' removes what it left", lab.RunID)
	}
	logf, _ := os.Open(lab.Log) // still readable after the owner removes it
	if logf != nil {
		defer logf.Close()
		logf.Seek(0, io.SeekEnd)
	}
	copyNew := func() {
		if logf != nil {
			_, _ = io.Copy(w, logf)
		}
	}
	fmt.Fprintf(w, "c1m-testbed down: stopping lab %s (owner pid %d)\n", lab.RunID, lab.OwnerPID)
	if err := syscall.Kill(lab.OwnerPID, syscall.SIGTERM); err != nil {
		return fmt.Errorf("failed to signal the lab's owner %d: %w", lab.OwnerPID, err)
	}
	deadline := time.Now().Add(DownWait)
	for ownerAlive(ri) {
		copyNew()
		if time.Now().After(deadline) {
			return fmt.Errorf("the owner (pid %d) is still tearing down after %s; wait, or 'kill -9 %d' and 'sudo c1m-testbed clean'", lab.OwnerPID, DownWait, lab.OwnerPID)
		}
		time.Sleep(100 * time.Millisecond)
	}
	copyNew()
	left, err := topology.Leftovers(lab.RunID)
	if err != nil {
		return fmt.Errorf("failed to check for leftovers of lab %s: %w", lab.RunID, err)
	}
	if len(left) > 0 {
		return fmt.Errorf("lab %s left %s behind: run 'sudo c1m-testbed clean'", lab.RunID, strings.Join(left, ", "))
	}
	fmt.Fprintf(w, "c1m-testbed down: lab %s is gone; nothing left behind\n", lab.RunID)
	return nil
}

// runInfo finds the record of runID.
func runInfo(runID string) (topology.RunInfo, bool) {
	runs, _ := topology.Runs()
	for _, r := range runs {
		if r.RunID == runID {
			return r, true
		}
	}
	return topology.RunInfo{}, false
}

// ownerAlive reports whether the owner process of ri (the same pid and
// start time) still runs.
func ownerAlive(ri topology.RunInfo) bool { return processAlive(ri.PID, ri.Start) }

// processAlive reports whether pid runs and started at startTicks (clock
// ticks since boot): topology's one reading of /proc/PID/stat.
func processAlive(pid int, startTicks uint64) bool { return topology.ProcessAlive(pid, startTicks) }

// HostState is what 'c1m-testbed status' shows: the labs and the other
// runs on this host, and who holds the host lock.
type HostState struct {
	// Labs are the labs, live or dead.
	Labs []LabInfo
	// Runs are the runs that are not labs (c1m-testbed run, or a lab
	// still starting), live or dead.
	Runs []topology.RunInfo
	// Holders hold the host lock now.
	Holders []Holder
}

// Status reads the state of every lab and run on this host.
func Status() (*HostState, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: reading the labs' namespaces needs root: try 'sudo c1m-testbed status'", ErrRefused)
	}
	labs, err := Labs()
	if err != nil {
		return nil, err
	}
	st := &HostState{Labs: labs, Holders: liveHolders("")}
	isLab := map[string]bool{}
	for _, l := range labs {
		isLab[l.RunID] = true
	}
	runs, err := topology.Runs()
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		if !isLab[r.RunID] {
			st.Runs = append(st.Runs, r)
		}
	}
	return st, nil
}

// Ended lists the lab's processes that have ended.
func (l *Lab) Ended() []LabProc {
	var out []LabProc
	for _, p := range l.Workers {
		if syscall.Kill(p.PID, 0) != nil {
			out = append(out, p)
		}
	}
	return out
}

// Clean removes what dead runs left behind (topology.Clean: it restores
// their journals, ends every process in their namespaces, found by
// namespace inode, deletes the namespaces and the run records) and says
// on w what it did; it returns how many runs it cleaned. Live runs are
// never touched.
func Clean(w io.Writer) (int, error) {
	if os.Geteuid() != 0 {
		return 0, fmt.Errorf("%w: must run as root to delete namespaces and restore sysctls: try 'sudo c1m-testbed clean'", ErrRefused)
	}
	n, err := topology.Clean(w)
	if err != nil {
		return n, fmt.Errorf("failed to clean: %w", err)
	}
	return n, nil
}
