package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// metric is one line of the summary, numeric when it can be compared.
type metric struct {
	label   string
	value   float64
	numeric bool
	text    string // the value as shown
}

// summaryMetrics returns the run.json summary as labelled values with units.
func summaryMetrics(s results.Summary) []metric {
	n := func(label string, v float64, unit string) metric {
		t := units.Count(v)
		if unit != "" {
			t += " " + unit
		}
		return metric{label: label, value: v, numeric: true, text: t}
	}
	secs := func(label string, v float64) metric {
		return metric{label: label, value: v, numeric: true, text: fmt.Sprintf("%.1f s", v)}
	}
	b := func(label string, v float64) metric {
		return metric{label: label, value: v, numeric: true, text: units.Bytes(v)}
	}
	ms := []metric{
		n("peak established (client)", float64(s.PeakEstablished), "connections"),
		n("peak established (server)", float64(s.PeakServerEstablished), "connections"),
		secs("ramp time", s.RampSeconds),
		n("connects per second (mean over ramp)", s.ConnectsPerSecond, "/s"),
		secs("close time", s.CloseSeconds),
		n("errors (total)", float64(sumErrors(s.Errors)), ""),
	}
	for _, e := range slices.Sorted(maps.Keys(s.Errors)) {
		ms = append(ms, n("errors "+e, float64(s.Errors[e]), ""))
	}
	ms = append(ms,
		b("user memory per connection", s.UserBytesPerConn),
		b("kernel memory per connection", s.KernelBytesPerConn),
	)
	for _, c := range []struct {
		role string
		v    float64
	}{{"server", s.ServerSyscallsPerConn}, {"client", s.ClientSyscallsPerConn}} {
		if c.v > 0 { // built-in workers only: a program's calls are not counted
			ms = append(ms, metric{label: c.role + " system calls per connection", value: c.v, numeric: true, text: fmt.Sprintf("%.2f", c.v)})
		}
	}
	ms = append(ms,
		metric{label: "peak TCP memory", value: float64(s.PeakTCPMemPages), numeric: true,
			text: fmt.Sprintf("%s pages (%s)", units.Count(float64(s.PeakTCPMemPages)), units.Bytes(float64(s.PeakTCPMemPages*pageSize)))},
		n("peak orphans", float64(s.PeakOrphans), "sockets"),
		n("peak TIME_WAIT", float64(s.PeakTimeWait), "sockets"),
		n("messages", float64(s.Messages), ""),
		metric{label: "host restored", text: yesNo(s.HostRestored)},
		n("leftovers", float64(s.Leftovers), ""),
		n("workers killed", float64(s.WorkersKilled), ""),
	)
	ms = append(ms, latencyMetrics("connect", s.Connect)...)
	if s.Reconnects > 0 {
		ms = append(ms, n("reconnects", float64(s.Reconnects), ""), n("reconnected", float64(s.Reconnected), ""))
	}
	ms = append(ms, latencyMetrics("handshake", s.Handshake)...)
	ms = append(ms, latencyMetrics("round trip", s.RTT)...)
	if p := s.Protocol; p != nil {
		ms = append(ms, metric{label: "protocol", text: p.Name},
			n("handshakes", float64(p.Handshakes), ""),
			n("keep-alives sent", float64(p.KeepAliveSent), ""),
			n("keep-alives answered", float64(p.KeepAliveAnswered), ""),
			n("server pings answered", float64(p.Pongs), ""),
			n("frames pushed by the server", float64(p.Pushes), ""))
		for _, k := range slices.Sorted(maps.Keys(p.Statuses)) {
			ms = append(ms, n("replies "+k, float64(p.Statuses[k]), ""))
		}
	}
	return ms
}

// recordMetrics is the summary's metrics and then each role's, measured
// by network namespace (roles[]): processes, memory per connection, CPU.
func recordMetrics(rec *results.Record) []metric {
	ms := append(summaryMetrics(rec.Summary), roleMetrics(rec.Roles, rec.Summary.PeakEstablished)...)
	if c := rec.Measurement; c != nil {
		ms = append(ms, metric{label: "measuring CPU (sampler + meter)", value: c.SamplerCPUSeconds + c.MeterCPUSeconds, numeric: true,
			text: fmt.Sprintf("%.2f s (%.2f + %.2f), orchestrator %.2f s", c.SamplerCPUSeconds+c.MeterCPUSeconds, c.SamplerCPUSeconds, c.MeterCPUSeconds, c.OrchestratorCPUSeconds)})
	}
	return ms
}

// roleMetrics renders roles[]: per role its peak processes, PSS and RSS
// per connection at conns, open files and CPU time.
func roleMetrics(roles []results.RoleUsage, conns int64) []metric {
	var ms []metric
	for _, r := range roles {
		n := func(label string, v float64, text string) metric {
			return metric{label: r.Role + " " + label, value: v, numeric: true, text: text}
		}
		ms = append(ms, n("processes (peak)", float64(r.PeakProcesses), units.Count(float64(r.PeakProcesses))))
		if conns > 0 {
			pss, rss := float64(r.PeakPSS)/float64(conns), float64(r.PeakRSS)/float64(conns)
			ms = append(ms, n("memory per connection (PSS)", pss, units.Bytes(pss)), n("memory per connection (RSS)", rss, units.Bytes(rss)))
		}
		ms = append(ms, n("memory (peak PSS)", float64(r.PeakPSS), units.Bytes(float64(r.PeakPSS))),
			n("CPU user", r.CPUUserSeconds, fmt.Sprintf("%.2f s", r.CPUUserSeconds)),
			n("CPU system", r.CPUSystemSeconds, fmt.Sprintf("%.2f s", r.CPUSystemSeconds)))
		if c := r.Cgroup; c != nil {
			peak := units.Bytes(float64(c.PeakMemory))
			if c.MemoryLimit > 0 {
				peak += " of " + units.Bytes(float64(c.MemoryLimit))
			}
			ms = append(ms, n("cgroup memory (peak)", float64(c.PeakMemory), peak),
				n("cgroup OOM kills", float64(c.OOMKills), units.Count(float64(c.OOMKills))),
				n("cgroup CPU throttled", c.ThrottledPercent(), fmt.Sprintf("%.1f%% of %s periods", c.ThrottledPercent(), units.Count(float64(c.Periods)))))
		}
	}
	return ms
}

func sumErrors(m map[string]int64) int64 {
	var t int64
	for _, v := range m {
		t += v
	}
	return t
}

// runTables returns the tables of a run report, in reading order: those
// shown above the charts (the run, its summary, expectations, latency and
// traffic) and those below; sections whose run.json field is missing are
// left out.
func runTables(r *run) (before, after []table) {
	rec := r.Record
	if rec == nil {
		return nil, nil
	}
	var ts []table
	dur := ""
	if !rec.Started.IsZero() && !rec.Ended.IsZero() {
		dur = fmt.Sprintf("%.1f s", rec.Ended.Sub(rec.Started).Seconds())
	}
	verdict := ""
	if r.Has("passed") {
		verdict = "every expectation held"
		if !rec.Passed {
			verdict = "FAILED"
		}
	}
	ts = append(ts, kv("Run",
		"scenario", rec.Scenario, "source", rec.Source, "description", rec.Description,
		"run id", rec.RunID, "scale", nonzero(rec.Scale),
		"started", timeText(rec.Started), "ended", timeText(rec.Ended), "duration", dur,
		"result", verdict, "failure", rec.Failure))
	if r.Has("summary") {
		t := table{title: "Summary", head: []string{"", ""}}
		for _, m := range recordMetrics(rec) {
			t.rows = append(t.rows, []string{m.label, m.text})
		}
		if len(rec.Summary.LeftoverItems) > 0 {
			t.rows = append(t.rows, []string{"leftover items", strings.Join(rec.Summary.LeftoverItems, ", ")})
		}
		ts = append(ts, t)
	}
	if r.Has("expectations") {
		ts = append(ts, expectationTable(rec.Expectations))
	}
	if r.Has("phases") {
		if t, ok := latencyTable(rec); ok {
			ts = append(ts, t)
		}
		if t, ok := trafficTable(rec); ok {
			ts = append(ts, t)
		}
	}
	before, ts = ts, nil
	if r.Has("phases") && len(rec.Phases) > 0 {
		t := table{title: "Phases", head: []string{"phase", "kind", "start (s)", "duration (s)", "outcome", "target", "reached", "detail"}}
		for _, p := range rec.Phases {
			start := ""
			if !p.Started.IsZero() && !rec.Started.IsZero() {
				start = fmt.Sprintf("%.1f", p.Started.Sub(rec.Started).Seconds())
			}
			t.rows = append(t.rows, []string{p.Name, p.Kind, start, fmt.Sprintf("%.1f", p.Seconds), p.Outcome,
				nonzero(float64(p.Target)), nonzero(float64(p.Reached)), p.Detail})
		}
		ts = append(ts, t)
	}
	if r.Has("environment") {
		ts = append(ts, envTables(rec.Env)...)
	}
	if r.Has("host_settings") && len(rec.Host) > 0 {
		t := table{title: "Host settings the run changed", head: []string{"setting", "before", "set", "after", "restored"}}
		for _, h := range rec.Host {
			t.rows = append(t.rows, []string{h.Key, h.Before, h.Set, h.After, yesNo(h.Restored)})
		}
		ts = append(ts, t)
	}
	if len(rec.Actions) > 0 {
		ts = append(ts, actionsTable(rec.Actions))
	}
	if r.Has("plan") {
		ts = append(ts, planSection(rec)...)
	}
	if r.Has("workers") && len(rec.Workers) > 0 {
		t := table{title: "Workers", head: []string{"role", "index", "namespace", "pid", "exit", "ended early", "stderr tail"}}
		for _, w := range rec.Workers {
			t.rows = append(t.rows, []string{w.Role, fmt.Sprint(w.Index), w.Namespace, fmt.Sprint(w.PID), w.Exit, yesNo(w.Killed), w.Tail})
		}
		ts = append(ts, t)
	}
	if len(rec.Roles) > 0 {
		t := table{title: "Processes of each role (found by network namespace)", head: []string{"role", "pid", "ppid", "name", "command", "peak RSS", "peak PSS", "peak fds", "CPU user (s)", "CPU system (s)", "exited"}}
		for _, r := range rec.Roles {
			for _, p := range r.Processes {
				t.rows = append(t.rows, []string{r.Role, fmt.Sprint(p.PID), fmt.Sprint(p.PPID), p.Comm, p.Command,
					units.Bytes(float64(p.PeakRSS)), units.Bytes(float64(p.PeakPSS)), units.Count(float64(p.PeakFDs)),
					fmt.Sprintf("%.2f", p.CPUUserSeconds), fmt.Sprintf("%.2f", p.CPUSystemSeconds), yesNo(p.Exited)})
			}
		}
		ts = append(ts, t)
	}
	if len(rec.Counters) > 0 {
		t := table{title: "Counters", head: []string{"counter", "value"}}
		for _, k := range slices.Sorted(maps.Keys(rec.Counters)) {
			t.rows = append(t.rows, []string{k, units.Count(float64(rec.Counters[k]))})
		}
		ts = append(ts, t)
	}
	if len(rec.Extra) > 0 {
		t := table{title: "Extra", head: []string{"key", "value"}}
		for _, k := range slices.Sorted(maps.Keys(rec.Extra)) {
			t.rows = append(t.rows, []string{k, rec.Extra[k]})
		}
		ts = append(ts, t)
	}
	if len(rec.Notes) > 0 {
		t := table{title: "Notes", head: []string{"note"}}
		for _, n := range rec.Notes {
			t.rows = append(t.rows, []string{n})
		}
		ts = append(ts, t)
	}
	return before, ts
}

// envTables describes the machine and its sysctls before and after.
func envTables(e results.Env) []table {
	cpus := ""
	if e.CPUs > 0 {
		cpus = fmt.Sprint(e.CPUs)
		if e.CPUModel != "" {
			cpus += " × " + e.CPUModel
		}
	}
	mem := func(v int64) string {
		if v == 0 {
			return ""
		}
		return units.Bytes(float64(v))
	}
	fds := ""
	if e.FDSoft > 0 || e.FDHard > 0 {
		fds = fmt.Sprintf("%s soft, %s hard", units.Count(float64(e.FDSoft)), units.Count(float64(e.FDHard)))
	}
	ts := []table{kv("Environment", "kernel", e.Kernel, "hostname", e.Hostname, "CPUs", cpus,
		"memory total", mem(e.MemTotal), "memory available at start", mem(e.MemAvailable),
		"open files (RLIMIT_NOFILE)", fds, "Go", e.GoVersion)}
	keys := map[string]bool{}
	for k := range e.SysctlsBefore {
		keys[k] = true
	}
	for k := range e.SysctlsAfter {
		keys[k] = true
	}
	if len(keys) > 0 {
		t := table{title: "Sysctls before and after", head: []string{"sysctl", "before", "after", "changed"}}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			b, a := e.SysctlsBefore[k], e.SysctlsAfter[k]
			flag := ""
			if b != a {
				flag = "yes"
			}
			t.rows = append(t.rows, []string{k, b, a, flag})
		}
		ts = append(ts, t)
	}
	if len(e.NamespaceSysctls) > 0 {
		t := table{title: "Sysctls set inside the namespaces", head: []string{"sysctl", "value"}}
		for _, k := range slices.Sorted(maps.Keys(e.NamespaceSysctls)) {
			t.rows = append(t.rows, []string{k, e.NamespaceSysctls[k]})
		}
		ts = append(ts, t)
	}
	return ts
}

func nonzero(v float64) string {
	if v == 0 {
		return ""
	}
	return units.Count(v)
}

// actionsTable lists the privileged actions the run took.
func actionsTable(as []results.Action) table {
	t := table{title: "Privileged actions the run took", head: []string{"kind", "what", "detail"}}
	for _, a := range as {
		var detail string
		switch {
		case a.Old != "" || a.New != "":
			detail = a.Old + " → " + a.New
		case len(a.Argv) > 0:
			detail = strings.Join(a.Argv, " ")
		case a.Count > 0:
			detail = units.Count(float64(a.Count))
		}
		t.rows = append(t.rows, []string{a.Kind, a.What, detail})
	}
	return t
}
