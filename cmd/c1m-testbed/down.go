package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/c1m-testbed/c1m-testbed/testbed"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

func init() {
	register(&command{name: "down", summary: "stop a running lab: processes, namespaces, host settings", run: downCmd})
}

// downWait bounds how long down waits for a lab's owner to tear down.
const downWait = 3 * time.Minute

func downCmd(args []string) int {
	fs := newFlags("down", "[RUN]",
		`Stops a lab started with 'c1m-testbed up': signals its owner, which stops
the lab's processes, deletes its namespaces, restores the host settings it
changed and exits. Waits for that, shows the owner's last log lines, and
checks that nothing of the lab is left. RUN may be left out when one lab is
up. A lab whose owner died is recovered by 'c1m-testbed clean'.

Exit status: 0 the lab is gone and the host restored, 1 something is left.`,
		"  sudo c1m-testbed down\n  sudo c1m-testbed down ab12cd")
	runFlag := fs.String("run", "", "the lab's run `ID` (same as the RUN argument)")
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	runID := *runFlag
	if fs.NArg() > 1 || (fs.NArg() == 1 && runID != "" && runID != fs.Arg(0)) {
		fmt.Fprintln(os.Stderr, "c1m-testbed down: name at most one lab, e.g. 'c1m-testbed down ab12cd'")
		return exitUsage
	}
	if fs.NArg() == 1 {
		runID = fs.Arg(0)
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed down: must run as root: try 'sudo c1m-testbed down'")
		return exitRefused
	}
	lab, err := testbed.FindLab(runID)
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed down: %v\n", err)
		return exitUsage
	}
	start := ownerStart(lab.RunID)
	logf, _ := os.Open(lab.Log) // still readable after the owner removes it
	if logf != nil {
		defer logf.Close()
		logf.Seek(0, io.SeekEnd)
	}
	fmt.Printf("c1m-testbed down: stopping lab %s (owner pid %d)\n", lab.RunID, lab.OwnerPID)
	if err := syscall.Kill(lab.OwnerPID, syscall.SIGTERM); err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed down: failed to signal the lab's owner %d: %v\n", lab.OwnerPID, err)
		return exitFailed
	}
	deadline := time.Now().Add(downWait)
	for sameProcess(lab.OwnerPID, start) {
		copyNew(logf)
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "c1m-testbed down: the owner (pid %d) is still tearing down after %s; wait, or 'kill -9 %d' and 'sudo c1m-testbed clean'\n", lab.OwnerPID, downWait, lab.OwnerPID)
			return exitFailed
		}
		time.Sleep(100 * time.Millisecond)
	}
	copyNew(logf)
	left, err := topology.Leftovers(lab.RunID)
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed down: failed to check for leftovers: %v\n", err)
		return exitFailed
	}
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "c1m-testbed down: lab %s left %s behind: run 'sudo c1m-testbed clean'\n", lab.RunID, strings.Join(left, ", "))
		return exitFailed
	}
	fmt.Printf("c1m-testbed down: lab %s is gone; nothing left behind\n", lab.RunID)
	return exitOK
}

// ownerStart is the start time of a run's owner, from its record.
func ownerStart(runID string) uint64 {
	runs, _ := topology.Runs()
	for _, r := range runs {
		if r.RunID == runID {
			return r.Start
		}
	}
	return 0
}

// sameProcess reports whether pid still runs and started at start (clock
// ticks since boot, field 22 of /proc/<pid>/stat; 0 = do not check).
func sameProcess(pid int, start uint64) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || f[0] == "Z" {
		return false // gone, or a zombie nobody reaped yet
	}
	return start == 0 || f[19] == fmt.Sprint(start)
}

// copyNew prints what the owner logged since the last call.
func copyNew(f *os.File) {
	if f != nil {
		_, _ = io.Copy(os.Stdout, f)
	}
}
