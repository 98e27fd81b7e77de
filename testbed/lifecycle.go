package testbed

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// The frame of a run (frame.go) continues here: the claim, the host lock
// and journal, the announcement of privileged actions, and teardown.

// changesHost reports whether the run writes host settings (journaled),
// and so must own the host alone.
func (r *runner) changesHost() bool { return len(r.sc.Host) > 0 }

// claim records this process as the run's owner.
func (r *runner) claim() error {
	owner, err := topology.Claim(r.runID)
	if err != nil {
		return fmt.Errorf("%w: failed to record run ownership: %w", ErrRefused, err)
	}
	r.owner = owner
	return nil
}

// takeHost takes the host lock (waiting at most opt.HostWait, saying on
// progress who holds it) and opens the journal. On failure it gives up
// the claim too, and the error wraps ErrRefused.
func (r *runner) takeHost(ctx context.Context) error {
	wait := r.opt.HostWait
	switch {
	case wait == 0:
		wait = DefaultHostWait
	case wait < 0:
		wait = 0
	}
	self := lab.Holder{RunID: r.runID, PID: os.Getpid(), Scenario: r.sc.Name, Exclusive: r.changesHost(), Started: r.start}
	lease, err := acquireHost(ctx, r.owner.Dir, self, wait, func(s string) { r.progress.printf("%s", s) })
	if err != nil {
		r.owner.Release()
		return err
	}
	r.lease = lease
	// A run that died while we waited for the lock left its settings on
	// the host: journaling them as "old" would restore them wrongly.
	if err := checkDeadRuns(r.opt.Clean, r.progress.w); err != nil {
		lease.release()
		r.owner.Release()
		return err
	}
	journal, err := topology.OpenJournal(r.runID)
	if err != nil {
		lease.release()
		r.owner.Release()
		return fmt.Errorf("%w: failed to open the host settings journal: %w", ErrRefused, err)
	}
	r.journal = journal
	return nil
}

// announce lists the privileged actions the run is about to take (read
// once the host is the run's: current values are the ones it will
// journal) on progress, and keeps them for the record.
func (r *runner) announce(current map[string]string) {
	r.actions = Actions(r.sc, r.plan, ActionFacts{RunID: r.runID, Exe: r.opt.Exe, Bin: r.binDir(),
		Current: current, InUse: readHostInUse(),
		Resolve: func(role, prog string) (string, error) { return resolveProgram(role, prog, r.binDir()) }})
	var b strings.Builder
	WriteActions(&b, r.actions)
	r.progress.printf("%s", strings.TrimRight(b.String(), "\n"))
}

// closing is what shutDown found.
type closing struct {
	left           []string          // what of the run is still on the host
	errs           []string          // what went wrong tearing down
	restored       bool              // every host setting reads as before the run
	sharedWith     []string          // other runs of ours that held the host meanwhile
	sysctlsAfter   map[string]string // the host's settings after restoring
	kernelMessages map[string]int64  // kernel log lines the run caused, by kind
	kernelLog      []string          // those lines (bounded)
}

// failures lists what shutDown found wrong, for the run's failure line.
func (c closing) failures() []string {
	out := append([]string(nil), c.errs...)
	if !c.restored {
		out = append(out, "a host setting was not restored: see host_settings, and run 'sudo c1m-testbed clean'")
	}
	if len(c.left) > 0 {
		out = append(out, fmt.Sprintf("%d leftovers after teardown: %v", len(c.left), c.left))
	}
	return out
}

// shutDown ends the run, whatever happened before: it stops every
// worker and closes the sampler. Unless the run built nothing (clients
// in place), it then ends whatever else still runs in the run's
// namespaces, removes the topology, restores the host, gives the host
// lock up and releases the run. It lists what is left. The run record is
// kept when the journal could not be restored, so 'clean' can try again.
func (r *runner) shutDown() closing {
	var c closing
	r.setPhase("teardown")
	grace := stopGrace
	select {
	case <-r.opt.Force:
		grace = 0
	default:
	}
	r.fleet.stopAll(grace)
	if r.sampler != nil {
		if err := r.sampler.Close(); err != nil {
			r.writeFailed(err) // results, not the run: the verdict stands
		}
		c.kernelMessages, c.kernelLog = r.sampler.KernelMessages()
	}
	if r.inPlace() {
		c.restored = true // nothing was changed
	} else {
		r.tearDown(&c)
	}
	for _, w := range r.fleet.all() {
		if w.alive() {
			c.left = append(c.left, fmt.Sprintf("process %d", w.pid()))
		}
	}
	if len(c.sharedWith) > 0 {
		r.progress.printf("shared the host with run(s) %s: host-wide figures (slab, tcp_mem, orphans) include theirs", strings.Join(c.sharedWith, ", "))
	}
	return c
}

// tearDown removes what the run built and changed: it ends what still
// runs in the run's namespaces, removes the topology, restores the host
// and checks it, gives the host lock up and releases the run, and lists
// the leftovers found by the run's prefix.
func (r *runner) tearDown(c *closing) {
	c.left = append(c.left, r.reapNamespaces()...)
	r.readGroupsFinal()
	left, errs := r.removeGroups()
	c.left, c.errs = append(c.left, left...), append(c.errs, errs...)
	if r.topo != nil {
		if err := r.topo.Teardown(); err != nil {
			c.errs = append(c.errs, err.Error())
		}
	}
	restoreErr := error(nil)
	if r.journal != nil {
		restoreErr = r.journal.Restore()
		if restoreErr != nil {
			c.errs = append(c.errs, restoreErr.Error()+": the run record is kept; run 'sudo c1m-testbed clean' to try again")
		}
	}
	c.sysctlsAfter = readSysctls(hostKeys(r.sc))
	c.restored = true
	for _, h := range r.hostSet {
		c.restored = c.restored && sameValue(h.Before, c.sysctlsAfter[h.Key])
	}
	if r.lease != nil {
		c.sharedWith = r.lease.sharedWith()
		r.lease.release()
	}
	switch {
	case restoreErr != nil:
	case r.groupsLeft():
		c.errs = append(c.errs, "a cgroup of the run could not be removed: the run record, which lists it, is kept; run 'sudo c1m-testbed clean' to try again")
	default:
		if err := r.owner.Release(); err != nil {
			c.errs = append(c.errs, err.Error())
		}
	}
	left, err := topology.Leftovers(r.runID)
	if err != nil {
		c.errs = append(c.errs, err.Error())
	}
	c.left = append(c.left, left...)
}
