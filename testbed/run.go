package testbed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// stopGrace is how long a worker gets to close its sockets after "stop".
const stopGrace = 10 * time.Second

// Run runs one scenario end to end and always tears down and restores
// the host, also when ctx is cancelled or something fails. With
// opt.InPlace it runs the built-in clients in this namespace instead and
// builds nothing (RunClients). An error wrapping ErrRefused or
// scenarios.ErrInvalid means nothing was built.
func Run(ctx context.Context, opt Options) (*Outcome, error) {
	r, err := newRunner(opt)
	if err != nil {
		return nil, err
	}
	refused, err := r.openResults()
	if err != nil {
		return nil, err
	}
	defer r.out.Close()
	r.progress = newProgress(opt.Progress, opt.Terminal)
	r.intro()
	if r.inPlace() {
		r.env = probeRecordEnv(hostKeys(r.sc))
		r.env.NamespaceSysctls = map[string]string{"client:net.ipv4.ip_local_port_range": fmt.Sprintf("%d %d", r.plan.PortLow, r.plan.PortHigh)}
	} else {
		if err := r.claim(); err != nil {
			refused()
			return nil, err
		}
		if err := r.takeHost(ctx); err != nil {
			refused()
			return nil, err
		}
		// The host as found, read once this run owns it.
		r.env = probeRecordEnv(hostKeys(r.sc))
		r.env.NamespaceSysctls = namespaceSysctls(r.sc)
		r.announce(r.env.SysctlsBefore)
	}

	var failure error
	if r.inPlace() {
		failure = r.executeInPlace(ctx)
	} else {
		failure = r.execute(ctx)
	}

	// Teardown, whatever happened above.
	c := r.shutDown()
	rec := r.record(c, failure)
	s := rec.Summary
	peak := fmt.Sprintf("peak %d established, ramp %.1fs (%.0f conn/s), user %.0f B/conn, kernel %.0f B/conn, host restored: %v, leftovers: %d",
		s.PeakEstablished, s.RampSeconds, s.ConnectsPerSecond, s.UserBytesPerConn, s.KernelBytesPerConn, s.HostRestored, s.Leftovers)
	if r.inPlace() {
		peak = fmt.Sprintf("peak %d established, ramp %.1fs (%.0f conn/s), leftovers: %d", s.PeakEstablished, s.RampSeconds, s.ConnectsPerSecond, s.Leftovers)
	}
	r.mu.Lock()
	writeErrs := append([]string(nil), r.writeErrs...)
	r.mu.Unlock()
	return writeOutcome(r.progress, r.out, rec, failure, peak, writeErrs, r.opt.NoReport), nil
}

// execute changes the host, builds the laboratory and runs the phases.
// It returns the first failure; the caller tears down in every case.
func (r *runner) execute(ctx context.Context) error {
	if err := r.build(ctx); err != nil {
		return err
	}
	r.setPhase("start")
	if err := r.startWorkers(ctx, true); err != nil {
		return err
	}
	r.inuseBase = r.inuse() // the listeners: every socket before the first connect
	stop := make(chan struct{})
	done := make(chan struct{})
	orchestratorProcs()
	go func() { r.sampler.Run(stop); close(done) }()
	defer func() { close(stop); <-done }()

	return r.runPhases(ctx, "teardown follows")
}

// runPhases runs the scenario's phases, keeping each one's result, then
// reads the run's TcpExt counters; an interruption ends it with an error
// naming the phase and what follows.
func (r *runner) runPhases(ctx context.Context, follows string) error {
	for i, ph := range r.sc.Phases {
		pr := r.runPhase(ctx, i, ph)
		r.phases = append(r.phases, pr)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted during phase %s: %s", pr.Name, follows)
		}
	}
	r.counters = r.sampler.Counters()
	return nil
}

// build applies the host settings (journaled), builds the topology and
// readies the measurements.
func (r *runner) build(ctx context.Context) error {
	for _, k := range slices.Sorted(maps.Keys(r.sc.Host)) {
		before := r.env.SysctlsBefore[k]
		if err := r.journal.Set(k, r.sc.Host[k]); err != nil {
			return fmt.Errorf("failed to set host setting %s: %w", k, err)
		}
		// What the kernel holds now: a "+N" value resolved, a value normalised.
		set := readSysctls([]string{k})[k]
		if set == "" {
			set = r.sc.Host[k]
		}
		r.hostSet = append(r.hostSet, results.HostSetting{Key: k, Before: before, Set: set})
	}
	topo, err := topology.Build(ctx, topologySpec(r.sc, r.runID))
	if errors.Is(err, topology.ErrNoNetem) {
		return fmt.Errorf("%w: failed to build the topology: %w", ErrRefused, err)
	}
	if err != nil {
		return fmt.Errorf("failed to build the topology: %w", err)
	}
	r.topo = topo
	if err := r.makeGroups(); err != nil {
		return err
	}
	where := measure.Where{Server: measure.Namespace(topo.Server.Name), HasServer: true}
	for _, c := range topo.Clients {
		where.Clients = append(where.Clients, measure.Namespace(c.Name))
	}
	r.sampler, err = measure.NewSampler(r.out, r.start, r.fleet, where, r.phaseName)
	if err != nil {
		return err
	}
	r.fleet.outside = r.sampler.External(r.external(roleServer), r.external(roleClient))
	r.sampler.SetCgroups(r.cgroupOf(roleServer), r.cgroupOf(roleClient))
	return nil
}

// sameValue compares sysctl values ignoring whitespace differences.
func sameValue(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// IsRefused reports whether err means the environment refused the run.
func IsRefused(err error) bool { return errors.Is(err, ErrRefused) }
