package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/results"
)

const pageSize = 4096 // bytes per page of tcp_mem and sockstat "mem"

// runCharts returns the charts of one run: those of samples.csv, with the
// latency charts (runLatencyCharts) after the connections and rates.
func runCharts(r *run) []chart {
	cs := sampleCharts(r)
	n := 0
	for n < len(cs) && (cs[n].name == "established" || cs[n].name == "rates") {
		n++
	}
	return append(cs[:n:n], append(runLatencyCharts(r), cs[n:]...)...)
}

// sampleCharts returns the charts of samples.csv; columns that are missing
// or all zero leave out their series, and a chart with no series is left out.
func sampleCharts(r *run) []chart {
	t := r.Samples
	if t == nil || t.Rows == 0 {
		return nil
	}
	xs := t.Columns["seconds"]
	if xs == nil {
		return nil
	}
	marks := r.drawnMarks()
	lines := func(cols []string, scale float64, always bool) []series {
		var out []series
		for _, col := range cols {
			ys, ok := t.Columns[col]
			if !ok || (!always && allZero(ys)) {
				continue
			}
			out = append(out, series{name: label(col), xs: xs, ys: scaled(ys, scale)})
		}
		return out
	}
	const sec = "time since start (s)"
	var cs []chart
	cs = append(cs, chart{name: "established", title: "Established connections per role",
		xlabel: sec, ylabel: "connections", marks: marks,
		series: append(lines([]string{"cli_established", "srv_established"}, 1, true),
			lines([]string{"cli_connecting"}, 1, false)...)})
	cs = append(cs, chart{name: "rates", title: "Connects and closes per second",
		xlabel: sec, ylabel: "per second", marks: marks,
		series: lines([]string{"connects_per_sec", "closes_per_sec"}, 1, true)})
	var errCols, nstatCols []string
	for _, h := range t.Header {
		if strings.HasPrefix(h, "err_") {
			errCols = append(errCols, h)
		}
		if strings.HasPrefix(h, "nstat_") {
			nstatCols = append(nstatCols, h)
		}
	}
	cs = append(cs, chart{name: "errors", title: "Errors by errno (cumulative)",
		xlabel: sec, ylabel: "errors", marks: marks, series: lines(errCols, 1, false)})
	cs = append(cs, chart{name: "nstat", title: "Kernel TCP counters (nstat, cumulative)",
		xlabel: sec, ylabel: "events", marks: marks, series: lines(nstatCols, 1, false)})
	cs = append(cs, tcpMemChart(r, marks, lines([]string{"tcp_mem_pages"}, 1, true)))
	mem := lines([]string{"slab", "sunreclaim", "cli_rss", "srv_rss", "cli_pss", "srv_pss"}, 1.0/(1<<20), true)
	if avail, ok := t.Columns["mem_available"]; ok && len(avail) > 0 {
		drop := make([]float64, len(avail))
		for i, v := range avail {
			drop[i] = (avail[0] - v) / (1 << 20)
		}
		mem = append(mem, series{name: "MemAvailable drop", xs: xs, ys: drop})
	}
	cs = append(cs, chart{name: "memory", title: "Kernel Slab and user RSS",
		xlabel: sec, ylabel: "MiB", marks: marks, series: mem})
	cs = append(cs, closeChart(r, marks, lines([]string{"srv_tw", "cli_tw", "srv_orphan", "cli_orphan"}, 1, true)))
	cs = append(cs, cgroupCharts(r, marks, xs)...)
	var out []chart
	for _, c := range cs {
		if len(c.series) > 0 {
			for i := range c.series {
				c.series[i].color = i
			}
			out = append(out, r.fewerSeries(c))
		}
	}
	return out
}

// fewerSeries keeps the first maxChartSeries lines of c, with a notice
// when there were more.
func (r *run) fewerSeries(c chart) chart {
	if len(c.series) > maxChartSeries {
		r.notice("The chart %q shows the first %d of its %d lines.", c.title, maxChartSeries, len(c.series))
		c.series = c.series[:maxChartSeries]
	}
	return c
}

// tcpMemChart draws host TCP memory against the tcp_mem thresholds.
func tcpMemChart(r *run, marks []mark, s []series) chart {
	c := chart{name: "tcp-mem", title: "Kernel TCP memory (sockstat mem) against tcp_mem",
		xlabel: "time since start (s)", ylabel: "pages (4 KiB)", marks: marks, series: s}
	th := tcpMemThresholds(r.Record)
	for i, name := range []string{"min", "pressure", "max"} {
		if i < len(th) {
			c.hlines = append(c.hlines, hline{label: fmt.Sprintf("tcp_mem %s %s", name, units.Count(th[i])), y: th[i]})
		}
	}
	if len(s) == 1 && len(th) == 3 {
		c.title = fmt.Sprintf("Kernel TCP memory: peak %s pages, tcp_mem max %s", units.Count(maxOf(s[0].ys)), units.Count(th[2]))
	}
	return c
}

// tcpMemThresholds reads "min pressure max" pages from the sysctls recorded
// before the run, or the host setting the run applied.
func tcpMemThresholds(rec *results.Record) []float64 {
	if rec == nil {
		return nil
	}
	v := rec.Env.SysctlsBefore["net.ipv4.tcp_mem"]
	for _, h := range rec.Host {
		if h.Key == "net.ipv4.tcp_mem" && h.Set != "" {
			v = h.Set
		}
	}
	var out []float64
	for _, f := range strings.Fields(v) {
		n, err := strconv.ParseFloat(f, 64)
		if err != nil || !(math.Abs(n) <= results.MaxSampleValue) || len(out) == 3 {
			return nil // tcp_mem is three page counts
		}
		out = append(out, n)
	}
	return out
}

// closeChart draws TIME_WAIT and orphans, zoomed on the first close phase.
func closeChart(r *run, marks []mark, s []series) chart {
	c := chart{name: "close", title: "TIME_WAIT and orphan sockets",
		xlabel: "time since start (s)", ylabel: "sockets", marks: marks, series: s}
	closes := closePhases(r.Record)
	all := phaseBoundaries(r) // the close may come after the marks drawn
	for i, m := range all {
		if !closes(m.phase) {
			continue
		}
		xs := r.Samples.Columns["seconds"]
		c.xmin = m.x - 2
		if i > 0 {
			c.xmin = max(c.xmin, all[i-1].x)
		}
		c.xmax = xs[len(xs)-1]
		c.title += " around the close storm"
		break
	}
	return c
}

// closePhases returns a test of whether the phase called name closes
// connections: its kind in run.json (the first phase of that name with
// a kind), else whether its name says "close". Built once, it answers in
// constant time (a run has up to results.MaxPhases phases and as many marks).
func closePhases(rec *results.Record) func(name string) bool {
	kinds := map[string]string{}
	if rec != nil {
		for _, ph := range rec.Phases {
			if _, ok := kinds[ph.Name]; !ok && ph.Kind != "" {
				kinds[ph.Name] = ph.Kind
			}
		}
	}
	return func(name string) bool {
		if k, ok := kinds[name]; ok {
			return k == "close"
		}
		return strings.Contains(strings.ToLower(name), "close")
	}
}

// phaseBoundaries returns a mark where the phase column changes, or the
// phase start times from run.json when samples carry no phase names;
// computed once per run (r.marks).
func phaseBoundaries(r *run) []mark {
	if r.marksDone {
		return r.marks
	}
	r.marksDone = true
	var out []mark
	t := r.Samples
	xs := t.Columns["seconds"]
	prev := ""
	for i, ph := range t.Phases {
		if ph != prev && ph != "" && i > 0 && i < len(xs) {
			out = append(out, mark{phase: ph, label: label(ph), x: xs[i]})
		}
		prev = ph
	}
	if len(out) > 0 || r.Record == nil || r.Record.Started.IsZero() {
		r.marks = out
		return out
	}
	for _, ph := range r.Record.Phases {
		if !ph.Started.IsZero() {
			out = append(out, mark{phase: ph.Name, label: label(ph.Name), x: ph.Started.Sub(r.Record.Started).Seconds()})
		}
	}
	r.marks = out
	return out
}

// drawnMarks returns the phase boundaries a chart draws: the first
// maxMarks, with a notice (once) when there are more.
func (r *run) drawnMarks() []mark {
	m := phaseBoundaries(r)
	if len(m) <= maxMarks {
		return m
	}
	if !r.marksNoted {
		r.marksNoted = true
		r.notice("The phase changed %d times: the charts mark the first %d.", len(m), maxMarks)
	}
	return m[:maxMarks]
}

func allZero(ys []float64) bool {
	for _, y := range ys {
		if y != 0 {
			return false
		}
	}
	return true
}

func maxOf(ys []float64) float64 {
	m := 0.0
	for _, y := range ys {
		m = max(m, y)
	}
	return m
}

// scaled returns ys times k; nil (a missing column) stays nil.
func scaled(ys []float64, k float64) []float64 {
	if k == 1 || ys == nil {
		return ys
	}
	out := make([]float64, len(ys))
	for i, y := range ys {
		out[i] = y * k
	}
	return out
}

// cgroupCharts draws each limited role's cgroup: its memory against its
// memory-limit, and its OOM kills and throttled periods. A role without
// limits has empty cells, and no line.
func cgroupCharts(r *run, marks []mark, xs []float64) []chart {
	t := r.Samples
	some := func(cols ...string) []series {
		var out []series
		for _, col := range cols {
			ys, ok := t.Columns[col]
			if !ok || len(finite(ys)) == 0 || !strings.HasSuffix(col, "_memory") && allZero(finite(ys)) {
				continue // memory is drawn when the role has a cgroup; the rest when it happened
			}
			scale := 1.0
			if strings.HasSuffix(col, "_memory") || strings.HasSuffix(col, "_sock") {
				scale = 1.0 / (1 << 20)
			}
			out = append(out, series{name: label(col), xs: xs, ys: scaled(ys, scale)})
		}
		return out
	}
	mem := chart{name: "cgroup-memory", title: "Memory charged to each limited role's cgroup",
		xlabel: "time since start (s)", ylabel: "MiB", marks: marks, hlegend: "memory-limit",
		series: some("srv_cg_memory", "srv_cg_sock", "cli_cg_memory", "cli_cg_sock")}
	if rec := r.Record; rec != nil && r.Has("roles") {
		for _, role := range rec.Roles {
			if c := role.Cgroup; c != nil && c.MemoryLimit > 0 {
				mem.hlines = append(mem.hlines, hline{label: role.Role + " memory-limit " + units.Bytes(float64(c.MemoryLimit)), y: float64(c.MemoryLimit) / (1 << 20)})
			}
		}
	}
	kills := chart{name: "cgroup-events", title: "OOM kills and throttled CFS periods (cumulative)",
		xlabel: "time since start (s)", ylabel: "events", marks: marks,
		series: some("srv_oom_kills", "cli_oom_kills", "srv_throttled", "cli_throttled")}
	return []chart{mem, kills}
}
