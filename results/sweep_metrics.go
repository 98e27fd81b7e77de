package results

// SweepMetric is one summary figure of a run that sweeps, repeats and
// compare put side by side: a column of sweep.csv and a chart of the sweep
// report.
type SweepMetric struct {
	Name  string // sweep.csv's column and sweep.json's key
	Label string // as the reports print it
	Unit  string // "s", "B", "1/s", "" (a count)
	// Of reads the metric from a run's record; false when the run has
	// none (no round trips measured, no close phase).
	Of func(*Record) (float64, bool)
}

// SweepMetrics are the metrics of a sweep, in the order of sweep.csv's
// columns. docs/experiments.md lists them; a test holds the two together.
var SweepMetrics = []SweepMetric{
	{"peak_established", "peak established", "", func(r *Record) (float64, bool) { return float64(r.Summary.PeakEstablished), true }},
	{"ramp_seconds", "ramp", "s", positive(func(r *Record) float64 { return r.Summary.RampSeconds })},
	{"connects_per_second", "connects/s", "1/s", positive(func(r *Record) float64 { return r.Summary.ConnectsPerSecond })},
	{"close_seconds", "close", "s", positive(func(r *Record) float64 { return r.Summary.CloseSeconds })},
	{"kernel_bytes_per_conn", "kernel B/conn", "B", positive(func(r *Record) float64 { return r.Summary.KernelBytesPerConn })},
	{"user_bytes_per_conn", "user B/conn", "B", positive(func(r *Record) float64 { return r.Summary.UserBytesPerConn })},
	{"server_syscalls_per_conn", "server system calls/conn", "", positive(func(r *Record) float64 { return r.Summary.ServerSyscallsPerConn })},
	{"client_syscalls_per_conn", "client system calls/conn", "", positive(func(r *Record) float64 { return r.Summary.ClientSyscallsPerConn })},
	{"server_cpu_per_conn_seconds", "server CPU/conn", "s", roleCPUPerConn("server")},
	{"client_cpu_per_conn_seconds", "client CPU/conn", "s", roleCPUPerConn("client")},
	{"peak_tcp_mem_pages", "peak tcp_mem", "pages", func(r *Record) (float64, bool) { return float64(r.Summary.PeakTCPMemPages), true }},
	{"peak_orphans", "peak orphans", "", func(r *Record) (float64, bool) { return float64(r.Summary.PeakOrphans), true }},
	{"peak_time_wait", "peak TIME_WAIT", "", func(r *Record) (float64, bool) { return float64(r.Summary.PeakTimeWait), true }},
	{"errors", "errors", "", func(r *Record) (float64, bool) {
		var n int64
		for _, c := range r.Summary.Errors {
			n += c
		}
		return float64(n), true
	}},
	{"connect_p50_seconds", "connect p50", "s", latency(func(r *Record) *Latency { return r.Summary.Connect }, 0.5)},
	{"connect_p99_seconds", "connect p99", "s", latency(func(r *Record) *Latency { return r.Summary.Connect }, 0.99)},
	{"rtt_p50_seconds", "round trip p50", "s", latency(func(r *Record) *Latency { return r.Summary.RTT }, 0.5)},
	{"rtt_p99_seconds", "round trip p99", "s", latency(func(r *Record) *Latency { return r.Summary.RTT }, 0.99)},
	{"handshake_p99_seconds", "handshake p99", "s", latency(func(r *Record) *Latency { return r.Summary.Handshake }, 0.99)},
	{"memory_pressures", "TCP memory pressures", "", counter("TCPMemoryPressures")},
	{"aborts_on_memory", "resets on memory", "", counter("TCPAbortOnMemory")},
	{"listen_overflows", "listen overflows", "", counter("ListenOverflows")},
	{"messages_answered", "messages answered", "", func(r *Record) (float64, bool) {
		var n int64
		ok := false
		for _, p := range r.Phases {
			if p.Traffic != nil {
				n, ok = n+p.Traffic.MessagesAnswered, true
			}
		}
		return float64(n), ok
	}},
	{"messages_per_second", "messages/s", "1/s", func(r *Record) (float64, bool) {
		low, ok := 0.0, false
		for _, p := range r.Phases {
			if t := p.Traffic; t != nil && (!ok || t.MessagesPerSecond < low) {
				low, ok = t.MessagesPerSecond, true
			}
		}
		return low, ok
	}},
	{"reconnected", "reconnected", "", func(r *Record) (float64, bool) { return float64(r.Summary.Reconnected), r.Summary.Reconnects > 0 }},
}

// roleCPUPerConn reads a role's CPU (user and system, run.json roles[])
// per connection at the peak.
func roleCPUPerConn(role string) func(*Record) (float64, bool) {
	return func(r *Record) (float64, bool) {
		for _, x := range r.Roles {
			if x.Role == role && r.Summary.PeakEstablished > 0 {
				return (x.CPUUserSeconds + x.CPUSystemSeconds) / float64(r.Summary.PeakEstablished), true
			}
		}
		return 0, false
	}
}

// positive reads a figure that a run without its phase leaves at 0.
func positive(f func(*Record) float64) func(*Record) (float64, bool) {
	return func(r *Record) (float64, bool) { v := f(r); return v, v > 0 }
}

// counter reads a kernel TCP counter (run.json counters) summed over
// the run's namespaces.
func counter(name string) func(*Record) (float64, bool) {
	return func(r *Record) (float64, bool) {
		v, ok := r.Counters[name]
		return float64(v), ok
	}
}

// latency reads quantile q (0.5 or 0.99) of a latency summary.
func latency(f func(*Record) *Latency, q float64) func(*Record) (float64, bool) {
	return func(r *Record) (float64, bool) {
		l := f(r)
		if l == nil || l.Count == 0 {
			return 0, false
		}
		if q == 0.5 {
			return l.P50, true
		}
		return l.P99, true
	}
}

// MetricsOf reads every SweepMetric the record has.
func MetricsOf(r *Record) map[string]float64 {
	out := map[string]float64{}
	for _, m := range SweepMetrics {
		if v, ok := m.Of(r); ok {
			out[m.Name] = v
		}
	}
	return out
}
