package testbed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
	"github.com/c1m-testbed/c1m-testbed/verdict"
)

// ErrMergeInput marks inputs merge cannot combine: not results, results
// that are not shards of one run, a shard missing or twice.
var ErrMergeInput = errors.New("these results cannot be merged")

// errMergeInput is ErrMergeInput, for wrapping.
var errMergeInput = ErrMergeInput

// MergeOptions configure Merge.
type MergeOptions struct {
	// Inputs are results directories of shards, or log files holding
	// their result lines ('clients --json' under 'kubectl logs').
	Inputs []string
	// OutDir is the merged results directory; "" means
	// results/<scenario>-merged-<UTC time> (results/merged-<UTC time>
	// when the scenario's name is not a plain name, see defaultOutDir).
	OutDir string
	// Progress receives the merged verdict; nil means quiet.
	Progress io.Writer
	// NoReport skips rendering report.html/report.md.
	NoReport bool
}

// Merge combines the results of the N shards of one run ('c1m-testbed
// clients --shard I/N') into one run: samples aligned on wall-clock time
// and summed, latency histograms merged, errors and counters summed, and
// the whole scenario's expectations (the shards' scenarios put back
// together, scenarios.Unshard) evaluated on the whole. It writes run.json,
// samples.csv and the report into OutDir.
//
// The inputs are hostile (logs of remote pods): every size, count and
// span is checked against defaultMergeLimits before it is allocated
// (ErrMergeInput says which), totals saturate at 2^53 instead of
// wrapping, the default directory's name never comes from input as is,
// and everything printed from the inputs is escaped.
func Merge(opt MergeOptions) (*Outcome, error) {
	return merge(opt, defaultMergeLimits, time.Now())
}

// merge is Merge within lim, at now (for the default directory's name).
func merge(opt MergeOptions, lim mergeLimits, now time.Time) (*Outcome, error) {
	l, err := loadShardRuns(opt.Inputs, lim)
	if err != nil {
		return nil, err
	}
	runs, whole, err := orderShards(l.runs)
	if err != nil {
		return nil, err
	}
	rec := mergeRecords(runs, whole, &l.lat)
	rows, err := seriesSpan(runs, rec.Started, lim)
	if err != nil {
		return nil, err
	}
	dir := opt.OutDir
	if dir == "" {
		var note string
		dir, note = resultsDirName(whole.Name, "-merged", now)
		if note != "" {
			rec.Notes = append(rec.Notes, note)
			if opt.Progress != nil {
				fmt.Fprintf(opt.Progress, "c1m-testbed merge: %s\n", note) // its name is escaped already
			}
		}
	}
	out, err := results.CreateDir(dir)
	if err != nil {
		return nil, fmt.Errorf("results directory (--out): %w", err)
	}
	defer out.Close()
	var writeErrs []string
	var samplesOut io.Writer = io.Discard
	f, err := out.CreateStream(results.SamplesFile)
	if err != nil {
		writeErrs = append(writeErrs, fmt.Sprintf("failed to create the merged samples file: %v", err))
	} else {
		samplesOut = f
	}
	peaks, werr := writeSeries(samplesOut, runs, rec.Started, rows)
	if f != nil {
		if err := f.Close(); werr == nil && err != nil {
			werr = fmt.Errorf("failed to write the merged samples: %w", err)
		}
	}
	if werr != nil {
		writeErrs = append(writeErrs, werr.Error())
	}
	applyPeaks(rec, peaks, runs)
	rec.Expectations = verdict.Check(whole.Expect, whole.Topology, rec.Summary, rec.Phases, rec.Counters)
	rec.Passed = verdict.Passed(rec.Expectations) && rec.Failure == ""
	p := newProgress(opt.Progress, false)
	p.printf("c1m-testbed merge: %d shards of %s (%s)", len(runs), shown(whole.Name, 200), shardIDs(rec))
	peak := fmt.Sprintf("peak %d established together (the shards' peaks add up to %d), ramp %.1fs (%.0f conn/s)",
		rec.Summary.PeakEstablished, sumPeaks(runs), rec.Summary.RampSeconds, rec.Summary.ConnectsPerSecond)
	return writeOutcome(p, out, rec, nil, peak, writeErrs, opt.NoReport), nil
}

// shardIDs lists the merged shards' run ids for the verdict: at most 8,
// each escaped.
func shardIDs(rec *results.Record) string {
	ids := strings.Split(rec.Extra[ExtraShards], ",")
	if len(ids) > 8 {
		ids = append(ids[:8], fmt.Sprintf("… %d in all", len(ids)))
	}
	for i, id := range ids {
		ids[i] = shown(id, 64)
	}
	return strings.Join(ids, ",")
}

// orderShards checks that runs are the shards 0..N-1 of one scenario,
// each once, and returns them in order with the whole scenario.
func orderShards(runs []shardRun) ([]shardRun, *scenarios.Scenario, error) {
	count := 0
	byIndex := map[int]shardRun{}
	for _, r := range runs {
		sh := r.shard
		if count == 0 {
			count = sh.Count
		}
		if sh.Count != count {
			return nil, nil, fmt.Errorf("%w: %s is shard %s, another input is of %d shards: merge the shards of one run", errMergeInput, r.from, sh, count)
		}
		if prev, dup := byIndex[sh.Index]; dup {
			return nil, nil, fmt.Errorf("%w: shard %s twice: %s and %s", errMergeInput, sh, prev.from, r.from)
		}
		byIndex[sh.Index] = r
	}
	var missing []string
	nMissing := 0
	ordered := make([]shardRun, 0, len(byIndex))
	parts := make([]*scenarios.Scenario, 0, len(byIndex))
	for i := 0; i < count; i++ {
		r, ok := byIndex[i]
		if !ok {
			if nMissing++; nMissing <= 10 {
				missing = append(missing, fmt.Sprint(i))
			}
			continue
		}
		ordered = append(ordered, r)
		parts = append(parts, r.part)
	}
	if nMissing > 10 {
		missing = append(missing, fmt.Sprintf("… (%d in all)", nMissing))
	}
	if nMissing > 0 {
		return nil, nil, fmt.Errorf("%w: shards %s of %d are missing: give every shard's results (a failed pod's log too)", errMergeInput, strings.Join(missing, ", "), count)
	}
	whole, err := scenarios.Unshard(parts)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errMergeInput, err)
	}
	return ordered, whole, nil
}

// decodeScenario reads a scenario_body back (it was written from a
// scenarios.Scenario).
func decodeScenario(body any) (*scenarios.Scenario, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var sc scenarios.Scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, err
	}
	return &sc, nil
}

// mergeRecords combines everything of the shards' records that does not
// come from the time series: phases, latency, errors, counters, workers.
func mergeRecords(runs []shardRun, whole *scenarios.Scenario, lat *latencySums) *results.Record {
	first := runs[0].rec
	rec := &results.Record{Version: results.RecordVersion, RunID: topology.NewRunID(), Scenario: whole.Name, Source: whole.Source,
		Description: whole.Description, Scale: first.Scale, Started: first.Started, Ended: first.Ended,
		ScenarioBody: whole, Counters: map[string]int64{}, Extra: map[string]string{ExtraMode: ModeMerged, ExtraTarget: first.Extra[ExtraTarget]}}
	s := &rec.Summary
	s.Errors, s.KernelMessages = map[string]int64{}, map[string]int64{}
	s.HostRestored = true
	var ids, fails []string
	var pss, rss float64
	kernelLog := map[string]bool{}
	kernel := map[string]float64{} // slab growth is host-wide: once per host
	for i, r := range runs {
		o := r.rec
		ids = append(ids, o.RunID)
		if o.Started.Before(rec.Started) {
			rec.Started = o.Started
		}
		if o.Ended.After(rec.Ended) {
			rec.Ended = o.Ended
		}
		if o.Failure != "" {
			fails = append(fails, fmt.Sprintf("shard %d: %s", i, o.Failure))
		}
		for _, n := range o.Notes {
			rec.Notes = append(rec.Notes, fmt.Sprintf("shard %d: %s", i, n))
		}
		addCounts(rec.Counters, o.Counters)
		for _, l := range o.KernelLog {
			if !kernelLog[l] {
				kernelLog[l] = true
				rec.KernelLog = append(rec.KernelLog, l)
			}
		}
		for _, w := range o.Workers {
			w.Index = len(rec.Workers)
			ns := w.Namespace
			if measure.Namespace(ns) == measure.Here {
				ns = "its own network namespace"
			}
			w.Namespace = fmt.Sprintf("shard %d on %s: %s", i, o.Env.Hostname, ns)
			rec.Workers = append(rec.Workers, w)
		}
		sm := o.Summary
		addCounts(s.Errors, sm.Errors)
		addCounts(s.KernelMessages, sm.KernelMessages)
		s.Messages = satAdd(s.Messages, sm.Messages)
		s.HostRestored = s.HostRestored && sm.HostRestored
		s.Leftovers = satAddInt(s.Leftovers, sm.Leftovers)
		for _, l := range sm.LeftoverItems {
			s.LeftoverItems = append(s.LeftoverItems, fmt.Sprintf("shard %d: %s", i, l))
		}
		s.WorkersKilled = satAddInt(s.WorkersKilled, sm.WorkersKilled)
		pss += sm.UserBytesPerConn * float64(sm.PeakEstablished)
		rss += sm.UserRSSBytesPerConn * float64(sm.PeakEstablished)
		kernel[o.Env.Hostname] = max(kernel[o.Env.Hostname], sm.KernelBytesPerConn*float64(sm.PeakEstablished))
		s.Protocol = mergeProtocol(s.Protocol, sm.Protocol)
		s.Reconnects = satAdd(s.Reconnects, sm.Reconnects)
		s.Reconnected = satAdd(s.Reconnected, sm.Reconnected)
	}
	if peaks := float64(sumPeaks(runs)); peaks > 0 {
		var k float64
		for _, v := range kernel {
			k += v
		}
		s.UserBytesPerConn, s.UserRSSBytesPerConn, s.KernelBytesPerConn = pss/peaks, rss/peaks, k/peaks
	}
	s.Connect, s.Handshake, s.RTT = latencies(&lat.whole)
	rec.Extra[ExtraShards] = strings.Join(ids, ",")
	rec.Failure = strings.Join(fails, "; ")
	rec.Env = mergeEnv(runs)
	rec.Roles = mergeRoles(runs)
	rec.Phases = mergePhases(runs, lat)
	mergeRamp(rec, runs)
	return rec
}

// sumPeaks adds the shards' own peaks.
func sumPeaks(runs []shardRun) int64 {
	var n int64
	for _, r := range runs {
		n = satAdd(n, r.rec.Summary.PeakEstablished)
	}
	return n
}

// addCounts adds src's counts into dst, saturating at maxCount (both
// hold at most mergeLimits.keys names, checked on input).
func addCounts(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] = satAdd(dst[k], v)
	}
}

// mergeProtocol adds a shard's protocol counts to the whole's (nil when
// neither has any).
func mergeProtocol(whole, shard *results.Protocol) *results.Protocol {
	if shard == nil {
		return whole
	}
	if whole == nil {
		whole = &results.Protocol{Name: shard.Name}
	}
	whole.Handshakes = satAdd(whole.Handshakes, shard.Handshakes)
	whole.PeakReady = satAdd(whole.PeakReady, shard.PeakReady) // an upper bound, as the roles' peaks
	whole.KeepAliveSent = satAdd(whole.KeepAliveSent, shard.KeepAliveSent)
	whole.KeepAliveAnswered = satAdd(whole.KeepAliveAnswered, shard.KeepAliveAnswered)
	whole.Pongs = satAdd(whole.Pongs, shard.Pongs)
	whole.Pushes = satAdd(whole.Pushes, shard.Pushes)
	if len(shard.Statuses) > 0 {
		if whole.Statuses == nil {
			whole.Statuses = map[string]int64{}
		}
		addCounts(whole.Statuses, shard.Statuses)
	}
	return whole
}

// mergeEnv describes the machines of the shards: the first shard's
// environment, with every distinct host named and their CPUs and memory
// added up.
func mergeEnv(runs []shardRun) results.Env {
	e := runs[0].rec.Env
	var hosts []string
	seen := map[string]bool{}
	e.CPUs, e.MemTotal, e.MemAvailable = 0, 0, 0
	for _, r := range runs {
		h := r.rec.Env.Hostname
		if seen[h] {
			continue
		}
		seen[h] = true
		hosts = append(hosts, h)
		e.CPUs = satAddInt(e.CPUs, r.rec.Env.CPUs)
		e.MemTotal = satAdd(e.MemTotal, r.rec.Env.MemTotal)
		e.MemAvailable = satAdd(e.MemAvailable, r.rec.Env.MemAvailable)
	}
	e.Hostname = strings.Join(hosts, ",")
	return e
}

// mergePhases combines phase j of every shard: from the first start to
// the last end, targets, reached counts and traffic added, histograms
// merged (lat holds their sums), the worst outcome.
func mergePhases(runs []shardRun, lat *latencySums) []results.Phase {
	n := len(runs[0].rec.Phases)
	for _, r := range runs {
		n = min(n, len(r.rec.Phases))
	}
	out := make([]results.Phase, n)
	for j := range out {
		p := &out[j]
		var traffic *results.Traffic
		for i, r := range runs {
			o := r.rec.Phases[j]
			if i == 0 {
				p.Name, p.Kind, p.Started, p.Ended, p.Outcome = o.Name, o.Kind, o.Started, o.Ended, o.Outcome
			}
			if o.Started.Before(p.Started) {
				p.Started = o.Started
			}
			if o.Ended.After(p.Ended) {
				p.Ended = o.Ended
			}
			if o.Outcome != "done" && (p.Outcome == "done" || i == 0) {
				p.Outcome = o.Outcome
				p.Detail = fmt.Sprintf("shard %d: %s", i, o.Detail)
			}
			p.Target = satAddInt(p.Target, o.Target)
			p.Reached = satAdd(p.Reached, o.Reached)
			if t := o.Traffic; t != nil {
				if traffic == nil {
					traffic = &results.Traffic{}
				}
				traffic.MessagesAsked = satAdd(traffic.MessagesAsked, t.MessagesAsked)
				traffic.MessagesSent = satAdd(traffic.MessagesSent, t.MessagesSent)
				traffic.MessagesAnswered = satAdd(traffic.MessagesAnswered, t.MessagesAnswered)
				traffic.MessagesPerSecond += t.MessagesPerSecond
				traffic.BytesSent = satAdd(traffic.BytesSent, t.BytesSent)
				traffic.BytesReceived = satAdd(traffic.BytesReceived, t.BytesReceived)
			}
		}
		p.Seconds = p.Ended.Sub(p.Started).Seconds()
		p.Connect, p.Handshake, p.RTT = latencies(&lat.phases[j])
		p.Traffic = traffic
	}
	return out
}

// mergeRamp sets the whole's ramp (first connect of any shard to the last
// shard's connect target reached) and close time (first close command to
// the last shard's sockets gone), from the shards' first connect and
// close phases and their own ramp and close seconds.
func mergeRamp(rec *results.Record, runs []shardRun) {
	span := func(kind string, secs func(results.Summary) float64) (float64, float64) {
		var first, last time.Time
		var conns float64
		for _, r := range runs {
			for _, ph := range r.rec.Phases {
				if ph.Kind != kind {
					continue
				}
				end := ph.Started.Add(time.Duration(secs(r.rec.Summary) * float64(time.Second)))
				if first.IsZero() || ph.Started.Before(first) {
					first = ph.Started
				}
				if end.After(last) {
					last = end
				}
				conns += r.rec.Summary.ConnectsPerSecond * r.rec.Summary.RampSeconds
				break
			}
		}
		if first.IsZero() {
			return 0, 0
		}
		return last.Sub(first).Seconds(), conns
	}
	s := &rec.Summary
	var conns float64
	s.RampSeconds, conns = span(scenarios.PhaseConnect, func(s results.Summary) float64 { return s.RampSeconds })
	if s.RampSeconds > 0 {
		s.ConnectsPerSecond = conns / s.RampSeconds
	}
	closed := true
	for _, r := range runs {
		closed = closed && r.rec.Summary.CloseSeconds > 0
	}
	if closed {
		s.CloseSeconds, _ = span(scenarios.PhaseClose, func(s results.Summary) float64 { return s.CloseSeconds })
	}
}

// hostsOf gives each run the index of the first run on the same host
// (host-wide figures count once per host).
func hostsOf(runs []shardRun) []int {
	out := make([]int, len(runs))
	first := map[string]int{}
	for i, r := range runs {
		h := r.rec.Env.Hostname
		if j, ok := first[h]; ok {
			out[i] = j
			continue
		}
		first[h] = i
		out[i] = i
	}
	return out
}

// mergeRoles adds up each role's usage over the shards: CPU times and
// process counts exactly; the peaks (RSS, PSS, fds, processes alive) as
// the sum of the shards' peaks, an upper bound of the fleet's at one
// instant. Each process's namespace says its shard.
func mergeRoles(runs []shardRun) []results.RoleUsage {
	var out []results.RoleUsage
	idx := map[string]int{}
	for i, r := range runs {
		for _, u := range r.rec.Roles {
			j, ok := idx[u.Role]
			if !ok {
				j = len(out)
				idx[u.Role] = j
				out = append(out, results.RoleUsage{Role: u.Role})
			}
			m := &out[j]
			m.Namespaces = satAddInt(m.Namespaces, u.Namespaces)
			m.PeakProcesses = satAddInt(m.PeakProcesses, u.PeakProcesses)
			m.ProcessesSeen = satAddInt(m.ProcessesSeen, u.ProcessesSeen)
			m.PeakRSS = satAdd(m.PeakRSS, u.PeakRSS)
			m.PeakPSS = satAdd(m.PeakPSS, u.PeakPSS)
			m.PeakFDs = satAdd(m.PeakFDs, u.PeakFDs)
			m.CPUUserSeconds += u.CPUUserSeconds
			m.CPUSystemSeconds += u.CPUSystemSeconds
			m.ProcessesOmitted = satAddInt(m.ProcessesOmitted, u.ProcessesOmitted)
			for _, p := range u.Processes {
				p.Namespace = fmt.Sprintf("shard %d on %s: %s", i, r.rec.Env.Hostname, p.Namespace)
				m.Processes = append(m.Processes, p)
			}
		}
	}
	return out
}
