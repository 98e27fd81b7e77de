package testbed

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// InPlace configures clients run in place (RunClients): the built-in
// client workers in this process's network namespace, against a server
// named on the command line.
type InPlace struct {
	// Target is the server the clients load (from the command line only).
	Target scenarios.Target
	// Shard is the slice of the scenario this process runs (zero = whole).
	Shard scenarios.Shard
	// Sources are the local addresses to connect from; nil = every global
	// address of this network namespace of a family the target has.
	Sources []netip.Addr
	// WholePortRange gives this shard the namespace's whole port range
	// instead of its 1/N slice: right when every shard has network
	// namespace and addresses of its own (a pod each).
	WholePortRange bool
	// StartAt, when set, holds the first phase until then, so that shards
	// start together.
	StartAt time.Time
}

// RunClients runs a scenario's built-in client workers (sharded by the
// fd budget as in Run) in this process's network namespace against
// opt.InPlace.Target, with the same phases, progress, samples,
// expectations and results as Run, but builds nothing and changes no
// setting: no namespace, no sysctl, no host lock. The default results
// directory ends in -shard-I-of-N for a shard. An error wrapping
// scenarios.ErrInvalid means the scenario, shard or target cannot run in
// place and nothing started.
func RunClients(ctx context.Context, opt Options) (*Outcome, error) {
	if opt.InPlace == nil {
		return nil, fmt.Errorf("%w: clients in place need a target (Options.InPlace)", scenarios.ErrInvalid)
	}
	return Run(ctx, opt)
}

// fitHere shards sc and fits it to this namespace for clients in place:
// its addresses (r.sources), its port range (a 1/N slice unless
// WholePortRange), the target; it notes what it changed. Nothing is built:
// the run has no topology.
func (r *runner) fitHere(sc *scenarios.Scenario) (*scenarios.Scenario, error) {
	ip := r.opt.InPlace
	whole := sc
	sc, err := sc.Sharded(ip.Shard)
	if err != nil {
		return nil, err
	}
	sources := ip.Sources
	if len(sources) == 0 {
		if sources, err = localAddrs(); err != nil {
			return nil, err
		}
		if sources = sameFamilies(sources, ip.Target.Addrs); len(sources) == 0 {
			return nil, fmt.Errorf("%w: this network namespace has no global address of the target's family: give the sources with --source ADDR", scenarios.ErrInvalid)
		}
	}
	low, high, err := localPortRange()
	if err != nil {
		return nil, err
	}
	if !ip.WholePortRange {
		lo, hi, ok := ip.Shard.PortSlice(low, high)
		if !ok {
			return nil, fmt.Errorf("%w: the port range %d-%d is too narrow for %d shards: widen net.ipv4.ip_local_port_range, or give each shard addresses of its own and pass --whole-port-range", scenarios.ErrInvalid, low, high, ip.Shard.Count)
		}
		low, high = lo, hi
	}
	sc, notes, err := sc.ForClients(scenarios.InPlace{Target: ip.Target, Sources: len(sources), PortLow: low, PortHigh: high})
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		r.note(n)
	}
	r.base, r.sources = ip.Shard.Offset(whole.Client.Connections), sources
	return sc, nil
}

// executeInPlace starts the client workers, waits for the start time
// and runs the phases; it returns the first failure.
func (r *runner) executeInPlace(ctx context.Context) error {
	r.setPhase("start")
	if err := r.startClientsHere(ctx); err != nil {
		return err
	}
	// Made once the workers live, so the role meter finds them from the start.
	var err error
	// The clients here, measured by process tree; no server role.
	r.sampler, err = measure.NewSampler(r.out, r.start, r.fleet, measure.Where{Clients: []measure.Namespace{measure.Here}}, r.phaseName)
	if err != nil {
		return err
	}
	r.progress.printf("started %d client workers", len(r.fleet.clients))
	r.inuseBase = r.inuse()
	stop := make(chan struct{})
	done := make(chan struct{})
	orchestratorProcs()
	go func() { r.sampler.Run(stop); close(done) }()
	defer func() { close(stop); <-done }()
	if err := r.waitStart(ctx, r.opt.InPlace.StartAt); err != nil {
		return err
	}
	return r.runPhases(ctx, "the workers are stopped")
}

// waitStart holds the first phase until startAt (shards start together).
func (r *runner) waitStart(ctx context.Context, startAt time.Time) error {
	if startAt.IsZero() {
		return nil
	}
	d := time.Until(startAt)
	if d <= 0 {
		r.note(fmt.Sprintf("--start-at %s had passed %.1fs before the workers were ready: started at once", startAt.UTC().Format(time.RFC3339), -d.Seconds()))
		r.progress.printf("start-at %s has passed (%.1fs ago): starting now", startAt.UTC().Format(time.RFC3339), -d.Seconds())
		return nil
	}
	r.progress.printf("waiting %.1fs, until %s, to start with the other shards", d.Seconds(), startAt.UTC().Format(time.RFC3339Nano))
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted while waiting for --start-at: %w", ctx.Err())
		case ev := <-r.fleet.events:
			r.handleEvent(ev)
		case <-t.C:
			return nil
		}
	}
}

// addrList joins addresses with commas.
func addrList(as []netip.Addr) string { return strings.Join(addrStrings(as), ",") }

// sameFamilies keeps the sources of a family some target address has: a
// source pairs only with servers of its own family.
func sameFamilies(sources, targets []netip.Addr) []netip.Addr {
	var v4, v6 bool
	for _, t := range targets {
		v4, v6 = v4 || t.Is4(), v6 || t.Is6()
	}
	var out []netip.Addr
	for _, s := range sources {
		if (s.Is4() && v4) || (s.Is6() && v6) {
			out = append(out, s)
		}
	}
	return out
}
