package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// TestRunSurvivesFaults starts `run smoke`, kills one of its worker
// processes with SIGKILL during the hold, then interrupts the run with
// SIGINT as Ctrl-C would. The death is a result, not a crash: it is
// recorded, the no-node-killed expectation fails, the run tears down,
// restores the host, leaves nothing behind and exits 1.
func TestRunSurvivesFaults(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	out := filepath.Join(t.TempDir(), "faults")
	cmd, until, log := startWatched(t, "run", "smoke", "--out", out, "--no-report")
	until("hold phase", func(l string) bool { return strings.HasPrefix(l, "phase hold-2: hold") })
	victim := firstChild(t, cmd.Process.Pid)
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatalf("failed to kill worker %d: %v", victim, err)
	}
	// The run saw the death once it says so: interrupt it then.
	ended := "(pid " + strconv.Itoa(victim) + ") ended early: signal: killed"
	until("'ended early' for worker "+strconv.Itoa(victim), func(l string) bool { return strings.Contains(l, ended) })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	until("the end", nil)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
		t.Errorf("exit: %v, want status %d\n%s", err, exitFailed, tail(log.String(), 2000))
	}
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatalf("no run.json after an interrupted run: %v\n%s", err, tail(log.String(), 2000))
	}
	s := rec.Summary
	if s.WorkersKilled != 1 || s.Leftovers != 0 || !s.HostRestored {
		t.Errorf("workers_killed=%d leftovers=%d host_restored=%v, want 1, 0, true", s.WorkersKilled, s.Leftovers, s.HostRestored)
	}
	var killed []results.Worker
	for _, w := range rec.Workers {
		if w.Killed {
			killed = append(killed, w)
		}
	}
	if len(killed) != 1 || killed[0].PID != victim || !strings.Contains(killed[0].Exit, "killed") {
		t.Errorf("killed workers = %+v, want pid %d ended by a signal", killed, victim)
	}
	held := map[string]bool{}
	for _, e := range rec.Expectations {
		held[e.Name] = e.Held
	}
	if h, ok := held["no-node-killed"]; !ok || h {
		t.Errorf("no-node-killed held=%v present=%v, want it failed", h, ok)
	}
	last := rec.Phases[len(rec.Phases)-1]
	if last.Outcome != "interrupted" {
		t.Errorf("last phase %s: outcome %q, want interrupted", last.Name, last.Outcome)
	}
	assertNoNamespaces(t, rec.RunID)
}

// firstChild returns the first child process of pid (a worker of a run).
func firstChild(t *testing.T, pid int) int {
	t.Helper()
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		if fields := strings.Fields(string(data)); len(fields) > 0 {
			child, _ := strconv.Atoi(fields[0])
			return child
		}
	}
	t.Fatalf("run %d has no worker process", pid)
	return 0
}
