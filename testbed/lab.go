package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// Up builds the laboratory of opt.Scenario, applies its host settings
// (journaled), starts the servers — and the clients, connecting every
// client connection, when clients is true — writes lab.File, calls ready,
// and keeps the lab up until ctx is done. Then it stops every process,
// tears down, restores the host and returns. Progress goes to opt.Progress
// and to the lab's log. An error wrapping ErrRefused or
// scenarios.ErrInvalid means nothing was built; any error before ready
// was called means the lab was torn down again.
func Up(ctx context.Context, opt Options, clients bool, ready func(*lab.Lab)) error {
	r, err := newRunner(opt)
	if err != nil {
		return err
	}
	sc := r.sc
	if err := r.claim(); err != nil {
		return err
	}
	r.dir = r.owner.Dir
	if r.out, err = results.OpenDir(r.owner.Dir); err != nil {
		r.owner.Release()
		return fmt.Errorf("%w: failed to open the lab's directory: %w", ErrRefused, err)
	}
	defer r.out.Close()
	logPath := filepath.Join(r.owner.Dir, lab.Log)
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		r.owner.Release()
		return fmt.Errorf("%w: failed to open the lab log %s: %w", ErrRefused, logPath, err)
	}
	defer logFile.Close()
	var out io.Writer = logFile
	if opt.Progress != nil {
		out = io.MultiWriter(opt.Progress, logFile)
	}
	r.progress = newProgress(out, false)
	r.progress.printf("c1m-testbed up: lab %s, scenario %s (%s), owner pid %d; %s",
		r.runID, sc.Name, sc.Source, os.Getpid(), r.describeRoles())
	if r.scaleNote != "" {
		r.progress.printf("note: %s", r.scaleNote)
	}
	if err := r.takeHost(ctx); err != nil {
		return err
	}

	r.env = probeRecordEnv(hostKeys(sc))
	r.announce(r.env.SysctlsBefore)
	l, failure := r.bringUp(ctx, clients)
	if failure == nil {
		l.Log = logPath
		l.Actions = recordActions(r.actions, r.hostSet)
		if err := lab.Write(r.owner.Dir, l); err != nil {
			failure = err
		}
	}
	if failure == nil {
		r.progress.printf("lab %s is up: 'c1m-testbed exec srv -- ss -s', 'c1m-testbed status', 'c1m-testbed down %s'", r.runID, r.runID)
		if ready != nil {
			ready(l)
		}
		r.idle(ctx)
		r.progress.printf("lab %s: stopping", r.runID)
	}
	c := r.shutDown()
	errs := c.failures()
	if failure != nil {
		errs = append([]string{failure.Error()}, errs...)
	}
	r.progress.printf("lab %s down: host restored: %v, leftovers: %d", r.runID, c.restored, len(c.left))
	if len(errs) > 0 {
		err := errors.New(strings.Join(errs, "; "))
		r.progress.printf("lab %s: %v", r.runID, err)
		if failure != nil && errors.Is(failure, ErrProgram) {
			return fmt.Errorf("%w: %w", ErrProgram, err)
		}
		return err
	}
	return nil
}

// idle waits until ctx is done, logging processes that end meanwhile.
func (r *runner) idle(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-r.fleet.events:
			r.handleEvent(ev)
		}
	}
}

// bringUp builds the lab and starts its processes.
func (r *runner) bringUp(ctx context.Context, clients bool) (*lab.Lab, error) {
	if err := r.build(ctx); err != nil {
		return nil, err
	}
	r.setPhase("start")
	if err := r.startWorkers(ctx, clients); err != nil {
		return nil, err
	}
	l := &lab.Lab{RunID: r.runID, Scenario: r.sc.Name, Source: r.sc.Source, OwnerPID: os.Getpid(), Started: r.start,
		Ports:  r.sc.Topology.ServerPorts,
		Server: lab.Namespace{Short: "srv", Name: r.topo.Server.Name, Addrs: addrStrings(r.topo.Server.Addrs)}}
	for i, c := range r.topo.Clients {
		l.Clients = append(l.Clients, lab.Namespace{Short: fmt.Sprintf("c%d", i+1), Name: c.Name, Addrs: addrStrings(c.Addrs)})
	}
	if clients {
		pr := r.runPhase(ctx, 0, scenarios.Phase{Kind: scenarios.PhaseConnect, Name: "connect", Timeout: scenarios.DefaultPhaseTimeout})
		l.Connect = fmt.Sprintf("%s: %d of %d established after %.1fs", pr.Outcome, pr.Reached, pr.Target, pr.Seconds)
		if pr.Detail != "" {
			l.Connect += " (" + pr.Detail + ")"
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	for _, w := range r.fleet.all() {
		l.Workers = append(l.Workers, lab.Process{Role: w.role, Index: w.index, Namespace: w.namespace, PID: w.pid(), Command: w.kind.command()})
	}
	return l, nil
}
