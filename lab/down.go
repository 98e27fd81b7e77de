package lab

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// DownWait bounds how long Down waits for a lab's owner to tear down.
const DownWait = 3 * time.Minute

// Down stops the live lab runID (or the only live lab when runID is
// ""): it signals the lab's owner, which stops the lab's processes,
// deletes its namespaces, restores the host settings and gives the host
// lock up; Down copies the owner's last log lines to w meanwhile and
// then checks that nothing of the lab is left. A lab that cannot be
// found is an error wrapping ErrNotFound.
func Down(runID string, w io.Writer) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: stopping a lab needs root: try 'sudo c1m-testbed down'", ErrRefused)
	}
	lab, err := Find(runID)
	if err != nil {
		return err
	}
	ri, ok := runInfo(lab.RunID)
	if !ok || !ri.Alive || ri.PID != lab.OwnerPID {
		return notFound("the owner of lab %s has just ended: 'sudo c1m-testbed clean' removes what it left", lab.RunID)
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
	for topology.ProcessAlive(ri.PID, ri.Start) {
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
