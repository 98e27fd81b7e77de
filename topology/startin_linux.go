package topology

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// spawnRequest asks the spawner thread to start cmd inside ns.
type spawnRequest struct {
	ns   *os.File
	name string
	cmd  *exec.Cmd
	cfg  startConfig
	done chan error
}

var spawner struct {
	once sync.Once
	reqs chan spawnRequest
}

// StartIn starts cmd so that the child process lives in network namespace
// ns (a name under /run/netns or a path). A child inherits the namespace of
// the thread that forks it, so the fork happens on a dedicated spawner
// thread that enters ns, starts cmd and comes back.
//
// The child's lifetime is tied to this process three ways:
//   - Setpgid: the child leads its own process group, so the orchestrator
//     can kill the whole group (syscall.Kill(-pid, SIGKILL));
//   - Pdeathsig SIGKILL: the kernel kills the child when the thread that
//     forked it exits; the spawner thread stays locked for the life of the
//     process, so this fires only when the orchestrator dies;
//   - the lifeline: give the child a stdin pipe (cmd.StdinPipe) and make it
//     exit when stdin reaches EOF; the nodes of c1m-testbed do, so they go
//     away even when the signal is lost.
//
// Every descriptor this package opens is close-on-exec, so no namespace
// leaks into the child. StartIn keeps any SysProcAttr fields the caller
// set and only adds Setpgid and a Pdeathsig of SIGKILL when none was set.
// Options (InCgroup) add to where the child starts.
func StartIn(ns string, cmd *exec.Cmd, opts ...StartOption) error {
	var cfg startConfig
	for _, o := range opts {
		o(&cfg)
	}
	target, err := openNS(ns)
	if err != nil {
		return err
	}
	defer target.Close()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if cmd.SysProcAttr.Pdeathsig == 0 {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnRequest)
		go spawnLoop()
	})
	req := spawnRequest{ns: target, name: ns, cmd: cmd, cfg: cfg, done: make(chan error, 1)}
	spawner.reqs <- req
	return <-req.done
}

// spawnLoop serves StartIn on one OS thread locked for the life of the
// process: it never returns to the pool, so the Pdeathsig of its children
// means "the orchestrator died". Should switching back (out of the
// namespace, or out of a cgroup) ever fail, the thread stays parked (its
// children keep their parent thread) and a new spawner takes over.
func spawnLoop() {
	runtime.LockOSThread()
	home, err := threadNS()
	if err != nil {
		for r := range spawner.reqs {
			r.done <- fmt.Errorf("failed to start %s in %s: %w", r.cmd.Path, r.name, err)
		}
		return
	}
	for r := range spawner.reqs {
		if err := unix.Setns(int(r.ns.Fd()), unix.CLONE_NEWNET); err != nil {
			r.done <- fmt.Errorf("failed to enter network namespace %s to start %s: %w", r.name, r.cmd.Path, err)
			continue
		}
		serr, stuck := startHere(r)
		if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err != nil || stuck {
			go spawnLoop()
			r.done <- serr
			select {} // park: the children's Pdeathsig follows this thread
		}
		r.done <- serr
	}
}

// startHere starts r.cmd from the calling (spawner) thread, inside the
// cgroup r asks for, if any. stuck reports that the thread could not
// leave that cgroup and must serve no further request.
func startHere(r spawnRequest) (serr error, stuck bool) {
	var leave func() error
	if r.cfg.cgroup != nil {
		var err error
		if leave, err = r.cfg.cgroup.Enter(r.cmd.SysProcAttr); err != nil {
			return fmt.Errorf("failed to start %s in %s: %w", r.cmd.Path, r.name, err), leave != nil && leave() != nil
		}
	}
	if serr = r.cmd.Start(); serr != nil {
		serr = fmt.Errorf("failed to start %s in %s: %w", r.cmd.Path, r.name, serr)
	}
	return serr, leave != nil && leave() != nil
}
