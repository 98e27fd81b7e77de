package testbed

import (
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// programGrace is how long an external program gets between SIGTERM and
// SIGKILL when the run stops it.
const programGrace = 5 * time.Second

// startProgram starts an external program (argv, already expanded) as
// worker index of role inside namespace ns. Its stdout and stderr go to
// the worker's tail; its stdin is /dev/null. It leads its own process
// group and dies with the orchestrator (topology.StartIn); join, when not
// nil, starts it (and so all it forks) inside the role's cgroup.
func startProgram(role string, index int, ns string, argv, env []string, fdLimit int, join topology.CgroupJoiner, events chan<- workerEvent) (*worker, error) {
	w := &worker{role: role, index: index, namespace: ns, kind: &externalProgram{argv: argv}, events: events, done: make(chan struct{})}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &w.tail, &w.tail
	w.cmd, w.wait = cmd, cmd.Wait
	if err := topology.StartIn(ns, cmd, inCgroup(join)...); err != nil {
		return nil, fmt.Errorf("%w: failed to start %s program %q (worker %d) in %s: %w", ErrProgram, role, argv[0], index, ns, err)
	}
	if fdLimit > 0 {
		lim := unix.Rlimit{Cur: uint64(fdLimit), Max: uint64(fdLimit)}
		_ = unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_NOFILE, &lim, nil) // best effort: the program may have raised it already
	}
	go w.reap()
	return w, nil
}

// terminate stops an external program: SIGTERM to its process group,
// SIGKILL after grace. It returns once the program is gone.
func (w *worker) terminate(grace time.Duration) {
	w.mu.Lock()
	w.stopping = true
	w.mu.Unlock()
	p := w.pid()
	if p > 0 && grace > 0 {
		_ = syscall.Kill(-p, syscall.SIGTERM)
		select {
		case <-w.done:
		case <-time.After(grace):
		}
	}
	if p > 0 {
		_ = syscall.Kill(-p, syscall.SIGKILL) // the rest of its group, or a program ignoring SIGTERM
	}
	<-w.done
}

// describe names a worker for messages, as its kind does.
func (w *worker) describe() string { return w.kind.describe(w) }

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// raiseFDLimit sets this process's soft RLIMIT_NOFILE to its hard limit,
// so external programs (which inherit it) can hold many connections
// without raising it themselves. Go programs would; C programs rarely do.
func raiseFDLimit() {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && rl.Cur < rl.Max {
		rl.Cur = rl.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl) // also tells os/exec not to restore the old soft limit in children
	}
}
