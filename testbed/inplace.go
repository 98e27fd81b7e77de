package testbed

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// hereNS is the client namespace of clients in place: the orchestrator's
// own (ownNamespace, read through /proc/self/net and measured by process
// tree, never entered); the server namespace is "" as well, which the
// sampler reads as "no server role here".
const hereNS = ownNamespace

// ClientOptions configure the built-in clients run in place (RunClients).
type ClientOptions struct {
	// Scenario to run, as loaded (unscaled, unsharded).
	Scenario *scenarios.Scenario
	// Scale multiplies connection counts before sharding (1 = as written).
	Scale float64
	// Target is the server the clients load (from the command line only).
	Target scenarios.Target
	// Shard is the slice of the scenario this process runs (zero = whole).
	Shard scenarios.Shard
	// Sources are the local addresses to connect from; nil = every global
	// IPv4 address of this network namespace.
	Sources []netip.Addr
	// WholePortRange gives this shard the namespace's whole port range
	// instead of its 1/N slice: right when every shard has network
	// namespace and addresses of its own (a pod each).
	WholePortRange bool
	// StartAt, when set, holds the first phase until then, so that shards
	// start together.
	StartAt time.Time
	// OutDir is the results directory; "" means results/<name>-<UTC time>[-shard-I-of-N].
	OutDir string
	// Progress receives live progress; nil means quiet.
	Progress io.Writer
	// Terminal makes progress redraw one line.
	Terminal bool
	// Exe is the binary re-executed as client workers ("" = this one).
	Exe string
	// Force, when closed, makes the end kill workers at once.
	Force <-chan struct{}
	// NoReport skips rendering report.html/report.md.
	NoReport bool
	// RunID names the run ("" = a fresh one).
	RunID string
}

// RunClients runs a scenario's built-in client workers (sharded by the
// fd budget as in Run) in this process's network namespace against
// opt.Target, with the same phases, progress, samples, expectations and
// results as Run, but builds nothing and changes no setting: no
// namespace, no sysctl, no host lock. An error wrapping
// scenarios.ErrInvalid means the scenario, shard or target cannot run
// in place and nothing started.
func RunClients(ctx context.Context, opt ClientOptions) (*Outcome, error) {
	r, notes, err := newClientRunner(opt)
	if err != nil {
		return nil, err
	}
	sc := r.sc
	dir := opt.OutDir
	if dir == "" {
		dir = filepath.Join("results", sc.Name+"-"+time.Now().UTC().Format("20060102T150405Z"))
		if !opt.Shard.Whole() {
			dir += fmt.Sprintf("-shard-%d-of-%d", opt.Shard.Index, opt.Shard.Count)
		}
	}
	out, err := results.CreateDir(dir)
	if err != nil {
		return nil, fmt.Errorf("results directory (--out): %w", err)
	}
	defer out.Close()
	r.dir, r.out = dir, out
	r.progress = newProgress(opt.Progress, opt.Terminal)
	rec := &results.Record{Version: results.RecordVersion, Scenario: sc.Name, Source: sc.Source, Description: sc.Description,
		Scale: r.opt.Scale, Started: r.start, ScenarioBody: sc, Plan: r.plan, RunID: r.runID,
		Extra: map[string]string{ExtraMode: ModeClients, ExtraShard: opt.Shard.String(), ExtraTarget: opt.Target.String()}}
	r.progress.printf("c1m-testbed clients: %s (%s) shard %s, %d connections from %d client workers in this network namespace; results in %s",
		sc.Name, sc.Source, opt.Shard, sc.Client.Connections, r.plan.ClientWorkers, dir)
	r.progress.printf("target: %s", opt.Target)
	if out := opt.Target.Outside(scenarios.DefaultSubnet); len(out) > 0 {
		r.progress.printf("target: %s outside the benchmarking range %s, as named on the command line: this loads a real server", addrList(out), scenarios.DefaultSubnet)
	}
	r.progress.printf("sources: %s, ports %d-%d", strings.Join(addrStrings(r.topo.Clients[0].Addrs), ","), r.plan.PortLow, r.plan.PortHigh)
	for _, n := range notes {
		r.note(n)
		r.progress.printf("note: %s", n)
	}
	rec.Env = probeRecordEnv(hostKeys(sc))
	rec.Env.NamespaceSysctls = map[string]string{"client:net.ipv4.ip_local_port_range": fmt.Sprintf("%d %d", r.plan.PortLow, r.plan.PortHigh)}

	failure := r.executeInPlace(ctx, rec, opt.StartAt)

	r.setPhase("teardown")
	grace := stopGrace
	select {
	case <-opt.Force:
		grace = 0
	default:
	}
	r.fleet.stopAll(grace)
	var c closing
	if r.sampler != nil {
		if err := r.sampler.close(); err != nil {
			r.writeFailed(err)
		}
		rec.Summary.KernelMessages, rec.KernelLog = r.sampler.kmsg.result()
	}
	for _, w := range r.fleet.all() {
		if w.alive() {
			c.left = append(c.left, fmt.Sprintf("process %d", w.pid()))
		}
	}
	c.restored = true // nothing was changed
	rec.Summary.HostRestored = true
	rec.Summary.Leftovers, rec.Summary.LeftoverItems = len(c.left), c.left
	rec.Ended = time.Now()
	r.finish(rec, c, failure)
	return r.writeOutcome(rec, failure, opt.NoReport)
}

// Keys of run.json's extra map that clients in place fill.
const (
	// ExtraMode is "clients" for a run of clients in place.
	ExtraMode = "mode"
	// ExtraShard is the shard, "I/N".
	ExtraShard = "shard"
	// ExtraTarget is the target, as ParseTarget reads it.
	ExtraTarget = "target"
	// ExtraShards lists the merged shards' run ids (merge).
	ExtraShards = "merged_shards"
	// ModeClients is ExtraMode's value for clients in place.
	ModeClients = "clients"
	// ModeMerged is ExtraMode's value for a merge of shards.
	ModeMerged = "merged"
)

// clientRun is a run of clients in place: a runner whose connection
// indexes start at base (the shard's first connection).
type clientRun struct {
	*runner
	base int
}

// newClientRunner scales, shards and plans the scenario for clients in
// place and makes the runner, with a topology of two nodes it did not
// build: the absent server (the target's addresses) and this namespace.
func newClientRunner(opt ClientOptions) (*clientRun, []string, error) {
	if opt.Scale == 0 {
		opt.Scale = 1
	}
	if err := scenarios.CheckScale(opt.Scale); err != nil {
		return nil, nil, err
	}
	sc, scaleNote := opt.Scenario, ""
	if opt.Scale != 1 {
		sc, scaleNote = sc.ScaledNote(opt.Scale)
	}
	whole := sc
	sc, err := sc.Sharded(opt.Shard)
	if err != nil {
		return nil, nil, err
	}
	sources := opt.Sources
	if len(sources) == 0 {
		if sources, err = localAddrs(); err != nil {
			return nil, nil, err
		}
	}
	low, high, err := localPortRange()
	if err != nil {
		return nil, nil, err
	}
	if !opt.WholePortRange {
		lo, hi, ok := opt.Shard.PortSlice(low, high)
		if !ok {
			return nil, nil, fmt.Errorf("%w: the port range %d-%d is too narrow for %d shards: widen net.ipv4.ip_local_port_range, or give each shard addresses of its own and pass --whole-port-range", scenarios.ErrInvalid, low, high, opt.Shard.Count)
		}
		low, high = lo, hi
	}
	sc, notes, err := sc.ForClients(scenarios.InPlace{Target: opt.Target, Sources: len(sources), PortLow: low, PortHigh: high})
	if err != nil {
		return nil, nil, err
	}
	if scaleNote != "" {
		notes = append([]string{scaleNote}, notes...)
	}
	plan, err := scenarios.NewPlan(sc, ProbeEnv())
	if err != nil {
		return nil, nil, fmt.Errorf("shard %s of %s in place: %w", opt.Shard, whole.Name, err)
	}
	exe := opt.Exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return nil, nil, fmt.Errorf("%w: failed to find this program to start client workers: %w", ErrRefused, err)
		}
	}
	runID := opt.RunID
	if runID == "" {
		runID = topology.NewRunID()
	}
	r := &runner{opt: Options{Scenario: opt.Scenario, Scale: opt.Scale, Progress: opt.Progress, Exe: exe, Force: opt.Force, NoReport: opt.NoReport, RunID: runID},
		sc: sc, plan: plan, fleet: newFleet(), start: time.Now(), runID: runID, scaleNote: scaleNote}
	r.topo = &topology.Topology{RunID: runID, Subnet: sc.Topology.Subnet,
		Server:  topology.Node{Name: "", Addrs: opt.Target.Addrs},
		Clients: []topology.Node{{Name: hereNS, Addrs: sources}}}
	return &clientRun{runner: r, base: opt.Shard.Offset(whole.Client.Connections)}, notes, nil
}

// executeInPlace starts the client workers, waits for the start time
// and runs the phases; it returns the first failure.
func (r *clientRun) executeInPlace(ctx context.Context, rec *results.Record, startAt time.Time) error {
	r.setPhase("start")
	if err := r.startClientsHere(ctx); err != nil {
		return err
	}
	// Made once the workers live, so the role meter finds them from the start.
	var err error
	r.sampler, err = newSampler(r.out, r.start, r.fleet, "", []string{hereNS}, r.phaseName)
	if err != nil {
		return err
	}
	r.progress.printf("started %d client workers", len(r.fleet.clients))
	r.inuseBase = r.inuse()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { r.sampler.loop(stop); close(done) }()
	defer func() { close(stop); <-done }()
	if err := r.waitStart(ctx, startAt); err != nil {
		return err
	}
	return r.runPhases(ctx, rec, "the workers are stopped")
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

// writeOutcome prints the verdict and writes run.json and the report,
// as Run does.
func (r *runner) writeOutcome(rec *results.Record, failure error, noReport bool) (*Outcome, error) {
	for _, e := range r.writeErrs {
		rec.Notes = append(rec.Notes, "results: "+e)
	}
	if t := latencyTable(rec.Phases, rec.Summary); t != "" {
		r.progress.printf("\nlatency:\n%s", strings.TrimRight(t, "\n"))
	}
	r.progress.printf("\nexpectations:\n%s", expectationTable(rec.Expectations))
	r.progress.printf("peak %d established, ramp %.1fs (%.0f conn/s), leftovers: %d",
		rec.Summary.PeakEstablished, rec.Summary.RampSeconds, rec.Summary.ConnectsPerSecond, rec.Summary.Leftovers)
	if failure != nil {
		r.progress.printf("run failed: %v", failure)
	}
	res := &Outcome{Dir: r.dir, Passed: rec.Passed, WriteErrors: r.writeErrs}
	if err := r.out.WriteRecord(rec); err != nil {
		res.WriteErrors = append(res.WriteErrors, err.Error())
	} else if !noReport {
		if _, err := report.GenerateDir(r.out); err != nil {
			res.WriteErrors = append(res.WriteErrors, "report: "+err.Error())
		}
	}
	for _, e := range res.WriteErrors {
		r.progress.printf("results: %s", e)
	}
	r.progress.printf("results: %s", r.dir)
	return res, nil
}

// addrList joins addresses with commas.
func addrList(as []netip.Addr) string { return strings.Join(addrStrings(as), ",") }
