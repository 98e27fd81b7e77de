package merge

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// recordCheck collects the first bad number of a shard's record.
type recordCheck struct {
	from string
	err  error
}

// count checks a count: a whole number from 0 to maxCount.
func (c *recordCheck) count(what string, v int64) {
	if c.err == nil && (v < 0 || v > maxCount) {
		c.err = fmt.Errorf("%w: %s: %s is %d, but counts run from 0 to 2^53: this is not what c1m-testbed writes (was the log edited?)", ErrInput, c.from, what, v)
	}
}

// num checks a measured figure: finite, from 0 to hi.
func (c *recordCheck) num(what string, v, hi float64) {
	if c.err == nil && !(v >= 0 && v <= hi) {
		c.err = fmt.Errorf("%w: %s: %s is %v, outside 0 to %v: this is not what c1m-testbed writes (was the log edited?)", ErrInput, c.from, what, v, hi)
	}
}

// signed checks a finite figure within ±hi.
func (c *recordCheck) signed(what string, v, hi float64) {
	if c.err == nil && !(v >= -hi && v <= hi) {
		c.err = fmt.Errorf("%w: %s: %s is %v, outside -%v to %v: this is not what c1m-testbed writes (was the log edited?)", ErrInput, c.from, what, v, hi, hi)
	}
}

// counts checks a map of counts: at most keys names, each a count.
func (c *recordCheck) counts(what string, m map[string]int64, keys int) {
	if c.err == nil && len(m) > keys {
		c.err = fmt.Errorf("%w: %s: %s has %d names, more than a run counts (at most %d)", ErrInput, c.from, what, len(m), keys)
	}
	for k, v := range m {
		c.count(what+" "+printable.Clip(k, 40), v)
	}
}

// checkRecord refuses a shard record whose counts are negative or beyond
// maxCount, whose figures are not finite, or which has more phases or
// counter names than lim allows: merged totals are then sums of at most
// lim.shards counts of 2^53, which saturating addition keeps exact or
// says are saturated.
func checkRecord(from string, rec *results.Record, lim limits) error {
	c := &recordCheck{from: from}
	if rec.Started.IsZero() {
		return fmt.Errorf("%w: %s: its run record has no start time: this is not what c1m-testbed writes", ErrInput, from)
	}
	if len(rec.Phases) > lim.phases {
		return fmt.Errorf("%w: %s: %d phases, more than merge takes (%d)", ErrInput, from, len(rec.Phases), lim.phases)
	}
	s := &rec.Summary
	for what, v := range map[string]int64{"peak_established": s.PeakEstablished, "peak_server_established": s.PeakServerEstablished,
		"peak_tcp_mem_pages": s.PeakTCPMemPages, "peak_orphans": s.PeakOrphans, "peak_time_wait": s.PeakTimeWait,
		"messages": s.Messages, "reconnects": s.Reconnects, "reconnected": s.Reconnected,
		"leftovers": int64(s.Leftovers), "workers_killed": int64(s.WorkersKilled),
		"cpus": int64(rec.Env.CPUs), "mem_total_bytes": rec.Env.MemTotal, "mem_available_bytes": rec.Env.MemAvailable} {
		c.count(what, v)
	}
	c.counts("summary errors", s.Errors, lim.keys)
	c.counts("summary kernel_messages", s.KernelMessages, lim.keys)
	c.counts("counters", rec.Counters, lim.keys)
	c.num("ramp_seconds", s.RampSeconds, lim.span)
	c.num("close_seconds", s.CloseSeconds, lim.span)
	c.num("connects_per_second", s.ConnectsPerSecond, maxCount)
	c.num("user_bytes_per_conn", s.UserBytesPerConn, maxCount)
	c.num("user_rss_bytes_per_conn", s.UserRSSBytesPerConn, maxCount)
	c.num("server_syscalls_per_conn", s.ServerSyscallsPerConn, maxCount)
	c.num("client_syscalls_per_conn", s.ClientSyscallsPerConn, maxCount)
	// Slab can shrink over a run (another program freed memory, or a
	// shard in its own namespace saw the host's Slab fall): the figure
	// may be negative, within the same magnitude.
	c.signed("kernel_bytes_per_conn", s.KernelBytesPerConn, maxCount)
	if p := s.Protocol; p != nil {
		for what, v := range map[string]int64{"handshakes": p.Handshakes, "peak_ready": p.PeakReady, "keep_alive_sent": p.KeepAliveSent,
			"keep_alive_answered": p.KeepAliveAnswered, "pongs": p.Pongs, "pushes": p.Pushes} {
			c.count("protocol "+what, v)
		}
		c.counts("protocol statuses", p.Statuses, lim.keys)
	}
	for j, ph := range rec.Phases {
		what := fmt.Sprintf("phase %d ", j+1)
		c.count(what+"target", int64(ph.Target))
		c.count(what+"reached", ph.Reached)
		if t := ph.Traffic; t != nil {
			for k, v := range map[string]int64{"messages_asked": t.MessagesAsked, "messages_sent": t.MessagesSent,
				"messages_answered": t.MessagesAnswered, "bytes_sent": t.BytesSent, "bytes_received": t.BytesReceived} {
				c.count(what+k, v)
			}
			c.num(what+"messages_per_second", t.MessagesPerSecond, maxCount)
		}
	}
	for _, u := range rec.Roles {
		what := "role " + printable.Clip(u.Role, 40) + " "
		for k, v := range map[string]int64{"namespaces": int64(u.Namespaces), "peak_processes": int64(u.PeakProcesses),
			"processes_seen": int64(u.ProcessesSeen), "peak_rss_bytes": u.PeakRSS, "peak_pss_bytes": u.PeakPSS,
			"peak_fds": u.PeakFDs, "processes_omitted": int64(u.ProcessesOmitted)} {
			c.count(what+k, v)
		}
		c.num(what+"cpu_user_seconds", u.CPUUserSeconds, maxCount)
		c.num(what+"cpu_system_seconds", u.CPUSystemSeconds, maxCount)
	}
	if m := rec.Measurement; m != nil {
		c.num("measurement_cost sampler_cpu_seconds", m.SamplerCPUSeconds, maxCount)
		c.num("measurement_cost meter_cpu_seconds", m.MeterCPUSeconds, maxCount)
		c.num("measurement_cost orchestrator_cpu_seconds", m.OrchestratorCPUSeconds, maxCount)
	}
	return c.err
}

// maxPartCount bounds a count of a shard's scenario part (connections,
// targets, rates, expected counts): scenarios.Unshard adds up to
// scenarios.MaxShards of them, and 2^53 / 100,000 (9e10) each keeps the
// whole exact and far from wrapping, beyond any count a shard makes.
const maxPartCount = maxCount / scenarios.MaxShards

// checkPart refuses a shard's scenario part that Unshard could not add up
// exactly: negative counts, counts above maxPartCount, more phases than
// lim allows.
func checkPart(from string, p *scenarios.Scenario, lim limits) error {
	if len(p.Phases) > lim.phases {
		return fmt.Errorf("%w: %s: its scenario has %d phases, more than merge takes (%d)", ErrInput, from, len(p.Phases), lim.phases)
	}
	vals := map[string]int64{"client.connections": int64(p.Client.Connections), "client.in-flight": int64(p.Client.InFlight),
		"client.connect-rate": int64(p.Client.ConnectRate), "server.accept-rate": int64(p.Server.AcceptRate),
		"expect.min-established": int64(p.Expect.MinEstablished), "expect.max-established": int64(p.Expect.MaxEstablished)}
	for j, ph := range p.Phases {
		vals[fmt.Sprintf("phase %d target", j+1)] = int64(ph.Target)
		vals[fmt.Sprintf("phase %d rate", j+1)] = int64(ph.Rate)
		vals[fmt.Sprintf("phase %d until", j+1)] = ph.Until.Value
	}
	for what, v := range vals {
		if v < 0 || v > maxPartCount {
			return fmt.Errorf("%w: %s: its scenario's %s is %d, outside 0 to %d: this is not a shard's part of a scenario", ErrInput, from, what, v, int64(maxPartCount))
		}
	}
	if m := p.Expect.MessagesPerSecondMin; !(m >= 0 && m <= maxPartCount) {
		return fmt.Errorf("%w: %s: its scenario's expect.messages-per-second-min is %v, outside 0 to %d", ErrInput, from, m, int64(maxPartCount))
	}
	return nil
}

// latencySums are the shards' latency histograms added up as they are
// read (adding is exact and in any order): the whole run's connect,
// handshake and rtt, and each phase's (phase j of every shard).
type latencySums struct {
	whole  [3]histogram.Histogram
	phases [][3]histogram.Histogram
}

// add adds rec's histograms and drops them from rec (17 KB each: a
// fleet's would not fit in memory); a sum that would wrap is refused.
func (l *latencySums) add(from string, rec *results.Record) error {
	add := func(dst *histogram.Histogram, lat **results.Latency) error {
		if *lat == nil {
			return nil
		}
		h := (*lat).Histogram
		*lat = nil
		if h != nil && !mergeHistogram(dst, h) {
			return fmt.Errorf("%w: %s: its latency histograms and the other shards' hold more than 2^64 recordings (or 2^64 ns) together: no run records that many", ErrInput, from)
		}
		return nil
	}
	s := &rec.Summary
	for k, lat := range []**results.Latency{&s.Connect, &s.Handshake, &s.RTT} {
		if err := add(&l.whole[k], lat); err != nil {
			return err
		}
	}
	for len(l.phases) < len(rec.Phases) {
		l.phases = append(l.phases, [3]histogram.Histogram{})
	}
	for j := range rec.Phases {
		p := &rec.Phases[j]
		for k, lat := range []**results.Latency{&p.Connect, &p.Handshake, &p.RTT} {
			if err := add(&l.phases[j][k], lat); err != nil {
				return err
			}
		}
	}
	return nil
}

// latencies returns sums as the report's latency results (nil when empty).
func latencies(h *[3]histogram.Histogram) (connect, handshake, rtt *results.Latency) {
	return results.NewLatency(&h[0]), results.NewLatency(&h[1]), results.NewLatency(&h[2])
}
