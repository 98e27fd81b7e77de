package testbed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// stopGrace is how long a worker gets to close its sockets after "stop".
const stopGrace = 10 * time.Second

// Run runs one scenario end to end and always tears down and restores
// the host, also when ctx is cancelled or something fails. An error
// wrapping ErrRefused or scenarios.ErrInvalid means nothing was built.
func Run(ctx context.Context, opt Options) (*Outcome, error) {
	r, err := newRunner(opt)
	if err != nil {
		return nil, err
	}
	sc := r.sc
	dir := r.opt.OutDir
	if dir == "" {
		dir = filepath.Join("results", sc.Name+"-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	_, statErr := os.Lstat(dir)
	out, err := results.CreateDir(dir)
	if err != nil {
		return nil, fmt.Errorf("results directory (--out): %w", err)
	}
	defer out.Close()
	r.dir, r.out = dir, out
	// A run refused before it starts leaves no directory it made itself
	// (os.Remove removes only an empty one).
	refused := func(err error) (*Outcome, error) {
		if errors.Is(statErr, os.ErrNotExist) {
			_ = os.Remove(dir)
		}
		return nil, err
	}
	r.progress = newProgress(opt.Progress, opt.Terminal)
	rec := &results.Record{Version: results.RecordVersion, Scenario: sc.Name, Source: sc.Source, Description: sc.Description,
		Scale: r.opt.Scale, Started: r.start, ScenarioBody: sc, Plan: r.plan, RunID: r.runID}
	r.progress.printf("c1m-testbed: %s (%s), %d connections, %s; results in %s",
		printable.String(sc.Name), printable.String(sc.Source), sc.Client.Connections, r.describeRoles(), printable.String(dir))
	if d := strings.TrimSpace(sc.Description); d != "" {
		// Line by line: the description's own line breaks are kept.
		for _, line := range strings.Split(d, "\n") {
			r.progress.printf("%s", printable.String(line))
		}
	}
	if r.scaleNote != "" {
		r.progress.printf("note: %s", r.scaleNote)
	}
	if err := r.claim(); err != nil {
		return refused(err)
	}
	if err := r.takeHost(ctx); err != nil {
		return refused(err)
	}
	// The host as found, read once this run owns it.
	rec.Env = probeRecordEnv(hostKeys(sc))
	rec.Env.NamespaceSysctls = namespaceSysctls(sc)
	r.announce(rec.Env.SysctlsBefore)

	failure := r.execute(ctx, rec)

	// Teardown, whatever happened above.
	c := r.shutDown(rec)
	if r.sampler != nil {
		rec.Summary.KernelMessages, rec.KernelLog = r.sampler.kmsg.result()
	}
	rec.Ended = time.Now()
	r.finish(rec, c, failure)
	for _, e := range r.writeErrs {
		rec.Notes = append(rec.Notes, "results: "+e)
	}
	// The verdict reaches the terminal whatever the disk does: it is
	// printed before run.json is written, and a write error is reported
	// beside it, not instead of it.
	if t := latencyTable(rec.Phases, rec.Summary); t != "" {
		r.progress.printf("\nlatency:\n%s", strings.TrimRight(t, "\n"))
	}
	r.progress.printf("\nexpectations:\n%s", expectationTable(rec.Expectations))
	r.progress.printf("peak %d established, ramp %.1fs (%.0f conn/s), user %.0f B/conn, kernel %.0f B/conn, host restored: %v, leftovers: %d",
		rec.Summary.PeakEstablished, rec.Summary.RampSeconds, rec.Summary.ConnectsPerSecond,
		rec.Summary.UserBytesPerConn, rec.Summary.KernelBytesPerConn, rec.Summary.HostRestored, rec.Summary.Leftovers)
	if failure != nil {
		r.progress.printf("run failed: %v", failure)
	}
	res := &Outcome{Dir: dir, Passed: rec.Passed, WriteErrors: r.writeErrs}
	if err := out.WriteRecord(rec); err != nil {
		res.WriteErrors = append(res.WriteErrors, err.Error())
	} else if !opt.NoReport {
		if _, err := report.GenerateDir(out); err != nil {
			res.WriteErrors = append(res.WriteErrors, "report: "+err.Error())
		}
	}
	for _, e := range res.WriteErrors {
		r.progress.printf("results: %s", e)
	}
	r.progress.printf("results: %s", dir)
	return res, nil
}

// describeRoles says who runs each role: "3 server + 4 client workers",
// "server program /x/goserver ×1 + 4 client workers".
func (r *runner) describeRoles() string {
	role := func(name string, builtin int) string {
		if r.external(name) {
			argv := r.sc.Server.Command
			if name == roleClient {
				argv = r.sc.Client.Command
			}
			return fmt.Sprintf("%s program %s ×%d", name, argv[0], externalWorkers(r.sc, name))
		}
		return fmt.Sprintf("%d %s workers", builtin, name)
	}
	return role(roleServer, r.plan.ServerWorkers) + " + " + role(roleClient, r.plan.ClientWorkers)
}

// execute changes the host, builds the laboratory and runs the phases.
// It returns the first failure; the caller tears down in every case.
func (r *runner) execute(ctx context.Context, rec *results.Record) error {
	if err := r.build(ctx, rec); err != nil {
		return err
	}
	r.setPhase("start")
	if err := r.startWorkers(ctx, true); err != nil {
		return err
	}
	r.inuseBase = r.inuse() // the listeners: every socket before the first connect
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { r.sampler.loop(stop); close(done) }()
	defer func() { close(stop); <-done }()

	return r.runPhases(ctx, rec, "teardown follows")
}

// runPhases runs the scenario's phases into rec, then reads the run's
// TcpExt counters; an interruption ends it with an error naming the phase
// and what follows.
func (r *runner) runPhases(ctx context.Context, rec *results.Record, follows string) error {
	for i, ph := range r.sc.Phases {
		pr := r.runPhase(ctx, i, ph)
		rec.Phases = append(rec.Phases, pr)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted during phase %s: %s", pr.Name, follows)
		}
	}
	rec.Counters = r.countersNow()
	return nil
}

// build applies the host settings (journaled), builds the topology and
// readies the measurements.
func (r *runner) build(ctx context.Context, rec *results.Record) error {
	for _, k := range sortedKeys(r.sc.Host) {
		before := rec.Env.SysctlsBefore[k]
		if err := r.journal.Set(k, r.sc.Host[k]); err != nil {
			return fmt.Errorf("failed to set host setting %s: %w", k, err)
		}
		// What the kernel holds now: a "+N" value resolved, a value normalised.
		set := readSysctls([]string{k})[k]
		if set == "" {
			set = r.sc.Host[k]
		}
		rec.Host = append(rec.Host, results.HostSetting{Key: k, Before: before, Set: set})
	}
	topo, err := topology.Build(ctx, topologySpec(r.sc, rec.RunID))
	if errors.Is(err, topology.ErrNoNetem) {
		return fmt.Errorf("%w: failed to build the topology: %w", ErrRefused, err)
	}
	if err != nil {
		return fmt.Errorf("failed to build the topology: %w", err)
	}
	r.topo = topo
	clientNS := make([]string, len(topo.Clients))
	for i, c := range topo.Clients {
		clientNS[i] = c.Name
	}
	r.sampler, err = newSampler(r.out, r.start, r.fleet, topo.Server.Name, clientNS, r.phaseName)
	if err != nil {
		return err
	}
	r.fleet.outside = newOutside(r.fleet, r.sampler.meter, topo.Server.Name, clientNS, r.external(roleServer), r.external(roleClient))
	return nil
}

// finish fills the summary and the expectations (close filled the
// host's part).
func (r *runner) finish(rec *results.Record, c closing, failure error) {
	s := &rec.Summary
	if r.sampler != nil {
		p := r.sampler.peak()
		s.PeakEstablished, s.PeakServerEstablished = p.cliEstablished, p.srvEstablished
		s.PeakTCPMemPages, s.PeakOrphans, s.PeakTimeWait = p.tcpMem, p.orphans, p.tw
		if p.cliEstablished > 0 {
			s.UserBytesPerConn = float64(p.pssAtPeak) / float64(p.cliEstablished)
			s.UserRSSBytesPerConn = float64(p.rssAtPeak) / float64(p.cliEstablished)
			s.KernelBytesPerConn = float64(p.slabAtPeak-r.sampler.slabBase) / float64(p.cliEstablished)
		}
		s.Messages = r.fleet.roleStats(roleServer).Messages
		r.summaryLatency(s)
		if s.Protocol != nil {
			s.Protocol.PeakReady = p.cliReady
		}
		rec.Roles = r.sampler.meter.usage()
	}
	// A lab that closes right after connecting may peak between two
	// samples; the connect phases saw every stats report, so their
	// reached counts are peaks too.
	for _, ph := range rec.Phases {
		if ph.Kind == scenarios.PhaseConnect {
			s.PeakEstablished = max(s.PeakEstablished, ph.Reached)
		}
	}
	if !r.rampEnd.IsZero() {
		s.RampSeconds = r.rampEnd.Sub(r.rampStart).Seconds()
		if s.RampSeconds > 0 {
			s.ConnectsPerSecond = float64(r.rampConns) / s.RampSeconds
		}
	}
	for _, c := range r.closeSeconds {
		s.CloseSeconds = max(s.CloseSeconds, c)
	}
	s.Errors = r.fleet.errors()
	for _, w := range r.fleet.all() {
		ww := results.Worker{Role: w.role, Index: w.index, Namespace: w.namespace, PID: w.pid(), Exit: exitString(w.exitErr), Killed: w.killedEarly()}
		if ww.Killed {
			s.WorkersKilled++
			ww.Tail = w.tail.String()
		}
		rec.Workers = append(rec.Workers, ww)
		if w.argv != nil {
			r.programExtra(rec, w)
		}
	}
	rec.Expectations = append(evaluate(r.sc.Expect, *s, rec.Phases, rec.Counters), evaluateLatency(r.sc.Expect, r.sc.Topology, rec.Phases)...)
	rec.Passed = allHeld(rec.Expectations)
	var fails []string
	if failure != nil {
		fails = append(fails, failure.Error())
	}
	fails = append(fails, c.failures()...)
	if len(fails) > 0 {
		rec.Failure = strings.Join(fails, "; ")
		rec.Passed = false
	}
	r.mu.Lock()
	rec.Notes = append(rec.Notes, r.notes...)
	r.mu.Unlock()
}

// programExtra records what was measured of an external program from
// outside in run.json's extra map, under "<role>.<index>.".
func (r *runner) programExtra(rec *results.Record, w *worker) {
	if rec.Extra == nil {
		rec.Extra = map[string]string{}
	}
	w.mu.Lock()
	p := w.peak
	w.mu.Unlock()
	k := fmt.Sprintf("%s.%d.", w.role, w.index)
	rec.Extra[k+"command"] = strings.Join(w.argv, " ")
	rec.Extra[k+"exit"] = exitString(w.exitErr)
	rec.Extra[k+"cpu_seconds"] = fmt.Sprintf("%.2f", p.CPUSeconds)
	rec.Extra[k+"peak_rss_bytes"] = fmt.Sprint(p.RSS)
	rec.Extra[k+"peak_pss_bytes"] = fmt.Sprint(p.PSS)
	rec.Extra[k+"peak_fds"] = fmt.Sprint(p.FDs)
	if t := lastLines(w.tail.String(), 20); t != "" {
		rec.Extra[k+"output_tail"] = t
	}
}

// countersNow sums every TcpExt counter over the namespaces, as a delta
// from the run's start where the sampler has a base.
func (r *runner) countersNow() map[string]int64 {
	m := map[string]int64{}
	for _, ns := range r.sampler.namespaces() {
		for k, v := range procfs.ParseNetstat(r.sampler.readInNS(ns, "netstat")) {
			if name, ok := strings.CutPrefix(k, "TcpExt."); ok {
				m[name] += v
			}
		}
	}
	for k, v := range r.sampler.nstatBase {
		m[k] -= v
	}
	return m
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// sameValue compares sysctl values ignoring whitespace differences.
func sameValue(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// IsRefused reports whether err means the environment refused the run.
func IsRefused(err error) bool { return errors.Is(err, ErrRefused) }
