package testbed

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// The life of a run and of a lab is the same, and lives here once:
//
//	newRunner   scale, plan, check programs and the host (nothing changes)
//	claim       record this process as the run's owner
//	takeHost    the host lock (exclusive with a [host] section, else
//	            shared) and the host settings journal
//	... build, start, phases (run) or idle until 'down' (lab) ...
//	shutDown    stop every process, end what is left in the namespaces,
//	            remove them, restore the host, check it reads as before,
//	            give the host lock up, list leftovers

// newRunner scales the scenario, plans it, checks the host (Preflight)
// and finds the external programs it names (the decoder checked what
// they may do). Nothing is changed yet.
func newRunner(opt Options) (*runner, error) {
	if opt.Scale == 0 {
		opt.Scale = 1
	}
	if err := scenarios.CheckScale(opt.Scale); err != nil {
		return nil, err
	}
	sc, scaleNote := opt.Scenario, ""
	if opt.Scale != 1 {
		sc, scaleNote = sc.ScaledNote(opt.Scale)
	}
	plan, err := scenarios.NewPlan(sc, ProbeEnv())
	if err != nil {
		return nil, err
	}
	var w io.Writer = io.Discard
	if opt.Progress != nil {
		w = opt.Progress
	}
	if err := Preflight(opt.Clean, w); err != nil {
		return nil, err
	}
	if sc.Topology.Shaped() {
		// A missing netem is the kernel's refusal: say so before anything changes.
		if err := topology.CheckNetem(); err != nil {
			return nil, fmt.Errorf("%w: the scenario shapes its links ([topology] link-*): %w", ErrRefused, err)
		}
	}
	if opt.Exe == "" {
		if opt.Exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("%w: failed to find this program to start node workers: %w", ErrRefused, err)
		}
	}
	r := &runner{opt: opt, sc: sc, plan: plan, fleet: newFleet(), start: time.Now(), scaleNote: scaleNote}
	if scaleNote != "" {
		r.note(scaleNote)
	}
	bin := r.binDir()
	for role, argv := range map[string][]string{roleServer: sc.Server.Command, roleClient: sc.Client.Command} {
		if len(argv) > 0 {
			if _, err := resolveProgram(role, argv[0], bin); err != nil {
				return nil, err
			}
		}
	}
	// execve's limits, before anything is built (validate checks the same).
	if err := CheckPrograms(sc, bin); err != nil {
		return nil, err
	}
	r.runID = opt.RunID
	if r.runID == "" {
		r.runID = topology.NewRunID()
	}
	return r, nil
}

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
	self := Holder{RunID: r.runID, PID: os.Getpid(), Scenario: r.sc.Name, Exclusive: r.changesHost(), Started: r.start}
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
	left       []string // what of the run is still on the host
	errs       []string // what went wrong tearing down
	restored   bool     // every host setting reads as before the run
	sharedWith []string // other runs of ours that held the host meanwhile
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

// shutDown ends the run, whatever happened before: it stops every worker,
// ends whatever else still runs in the run's namespaces, removes the
// topology, restores the host, gives the host lock up and releases the
// run, and lists what is left. It fills rec's host settings (after,
// restored), its sysctls after, and whether the host was shared. The run
// record is kept when the journal could not be restored, so 'clean' can
// try again.
func (r *runner) shutDown(rec *results.Record) closing {
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
		if err := r.sampler.close(); err != nil {
			r.writeFailed(err) // results, not the run: the verdict stands
		}
	}
	c.left = append(c.left, r.reapNamespaces()...)
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
	rec.Env.SysctlsAfter = readSysctls(hostKeys(r.sc))
	c.restored = checkRestored(rec)
	if r.lease != nil {
		c.sharedWith = r.lease.sharedWith()
		r.lease.release()
	}
	if restoreErr == nil {
		if err := r.owner.Release(); err != nil {
			c.errs = append(c.errs, err.Error())
		}
	}
	left, err := topology.Leftovers(r.runID)
	if err != nil {
		c.errs = append(c.errs, err.Error())
	}
	c.left = append(c.left, left...)
	for _, w := range r.fleet.all() {
		if w.alive() {
			c.left = append(c.left, fmt.Sprintf("process %d", w.pid()))
		}
	}
	rec.Summary.HostRestored = c.restored
	rec.Summary.Leftovers, rec.Summary.LeftoverItems = len(c.left), c.left
	rec.SharedWith = c.sharedWith
	rec.SharedHost = len(c.sharedWith) > 0
	rec.Actions = recordActions(r.actions, rec.Host)
	if rec.SharedHost {
		r.progress.printf("shared the host with run(s) %s: host-wide figures (slab, tcp_mem, orphans) include theirs", strings.Join(c.sharedWith, ", "))
	}
	return c
}

// checkRestored compares each host setting the run changed with what it
// reads now (rec.Env.SysctlsAfter), fills After and Restored, and
// reports whether all were restored.
func checkRestored(rec *results.Record) bool {
	ok := true
	for i := range rec.Host {
		h := &rec.Host[i]
		h.After = rec.Env.SysctlsAfter[h.Key]
		h.Restored = sameValue(h.Before, h.After)
		ok = ok && h.Restored
	}
	return ok
}
