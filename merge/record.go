package merge

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// mergeRecords combines everything of the shards' records that does not
// come from the time series: phases, latency, errors, counters, workers.
func mergeRecords(runs []shardRun, whole *scenarios.Scenario, lat *latencySums) *results.Record {
	first := runs[0].rec
	rec := &results.Record{Version: results.RecordVersion, Scenario: whole.Name, Source: whole.Source,
		Description: whole.Description, Scale: first.Scale, Started: first.Started, Ended: first.Ended,
		ScenarioBody: whole, Counters: map[string]int64{}, Extra: map[string]string{results.ExtraMode: results.ModeMerged, results.ExtraTarget: first.Extra[results.ExtraTarget]}}
	s := &rec.Summary
	s.Errors, s.KernelMessages = map[string]int64{}, map[string]int64{}
	s.HostRestored = true
	var ids, fails []string
	var pss, rss, srvCalls, cliCalls float64
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
			if ns == "" { // the orchestrator's own namespace (clients in place)
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
		s.OOMKills = satAdd(s.OOMKills, sm.OOMKills)
		if !math.IsNaN(sm.MaxThrottledPercent) {
			s.MaxThrottledPercent = max(s.MaxThrottledPercent, sm.MaxThrottledPercent)
		}
		pss += sm.UserBytesPerConn * float64(sm.PeakEstablished)
		srvCalls += sm.ServerSyscallsPerConn * float64(sm.PeakEstablished)
		cliCalls += sm.ClientSyscallsPerConn * float64(sm.PeakEstablished)
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
		s.ServerSyscallsPerConn, s.ClientSyscallsPerConn = srvCalls/peaks, cliCalls/peaks
	}
	s.Connect, s.Handshake, s.RTT = latencies(&lat.whole)
	rec.Extra[results.ExtraShards] = strings.Join(ids, ",")
	rec.Failure = strings.Join(fails, "; ")
	rec.Env = mergeEnv(runs)
	rec.Roles = mergeRoles(runs)
	rec.Measurement = mergeCost(runs)
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
// hold at most limits.keys names, checked on input).
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

// mergeCost adds up what measuring cost each shard's orchestrator (nil
// when no shard says).
func mergeCost(runs []shardRun) *results.MeasurementCost {
	var m *results.MeasurementCost
	for _, r := range runs {
		c := r.rec.Measurement
		if c == nil {
			continue
		}
		if m == nil {
			m = &results.MeasurementCost{}
		}
		m.SamplerCPUSeconds += c.SamplerCPUSeconds
		m.MeterCPUSeconds += c.MeterCPUSeconds
		m.OrchestratorCPUSeconds += c.OrchestratorCPUSeconds
	}
	return m
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
