package report

import (
	"math"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// distTicksPerHalf is the points per halving of the distance to 100 % that
// a percentile-distribution line gets (histogram.Histogram.Distribution).
const distTicksPerHalf = 5

// timeUnit is a unit for latencies on a chart axis.
type timeUnit struct {
	name  string
	scale float64 // values in seconds × scale
}

// unitFor picks the unit that shows a largest value of maxSec seconds
// with numbers between about 1 and 1000.
func unitFor(maxSec float64) timeUnit {
	switch {
	case maxSec < 1e-3:
		return timeUnit{"µs", 1e6}
	case maxSec < 1:
		return timeUnit{"ms", 1e3}
	}
	return timeUnit{"s", 1}
}

// distPoints returns the percentile distribution of l as percentiles
// (0..100) and seconds: from its histogram, or, for a record written
// without one, from the percentiles it lists.
func distPoints(l *results.Latency) (pcts, secs []float64) {
	if l.Histogram != nil && l.Histogram.Count() > 0 {
		for _, p := range l.Histogram.Distribution(distTicksPerHalf) {
			pcts = append(pcts, p.Percentile)
			secs = append(secs, p.Value.Seconds())
		}
		return pcts, secs
	}
	return []float64{50, 90, 99, 99.9, 100}, []float64{l.P50, l.P90, l.P99, l.P999, l.Max}
}

// distSeries is one line of a percentile-distribution chart before its unit is known.
type distSeries struct {
	name  string
	lat   *results.Latency
	color int
	dash  int
}

// distChart draws latencies as HdrHistogram plots them: latency against
// percentile on a log axis of 1/(1 − p); nil without a series.
func distChart(name, title string, ds []distSeries) *chart {
	if len(ds) == 0 {
		return nil
	}
	var count uint64
	for _, d := range ds {
		count = max(count, d.lat.Count)
	}
	c := &chart{name: name, title: title, xlabel: "percentile (log scale of 1/(1 − p))",
		xlog: true, xtop: percentileTop(count)}
	for _, d := range ds {
		pcts, secs := distPoints(d.lat)
		c.series = append(c.series, series{name: d.name, xs: pcts, ys: secs, color: d.color, dash: d.dash})
	}
	latencyAxis(c, "latency")
	return c
}

// logSpan is the ratio of largest to smallest latency above which a chart
// draws latency on a log axis: a linear one would flatten the body of the
// distribution against a tail such as the 1 s SYN retransmit.
const logSpan = 30

// latencyAxis sets the y axis of c, whose series hold seconds: a log axis
// labelled with durations when they span more than logSpan, else a linear
// one in the unit that fits their largest value.
func latencyAxis(c *chart, what string) {
	lo, hi := c.yRange()
	if hi/lo > logSpan {
		c.ylog = true
		c.ylabel = what + " (log scale)"
		return
	}
	u := unitFor(hi)
	for i := range c.series {
		c.series[i].ys = scaled(c.series[i].ys, u.scale)
	}
	c.ylabel = what + " (" + u.name + ")"
}

// runLatencyCharts returns the latency charts of one run: the percentile
// distribution of connects and of round trips (one line per phase, and
// the whole run when several phases have one), each interval's p99
// over time against established connections, and the traffic rates.
func runLatencyCharts(r *run) []chart {
	var out []chart
	if rec := r.Record; rec != nil && r.Has("phases") {
		for _, m := range latencyMeasures {
			var ds []distSeries
			for i := range rec.Phases {
				if l := m.phase(&rec.Phases[i]); l != nil {
					ds = append(ds, distSeries{name: label(rec.Phases[i].Name), lat: l, color: len(ds)})
				}
			}
			if len(ds) > maxChartSeries-1 {
				r.notice("The percentile distribution of %s latency shows the first %d of its %d phases.", m.name, maxChartSeries-1, len(ds))
				ds = ds[:maxChartSeries-1]
			}
			if l := m.summary(&rec.Summary); l != nil && r.Has("summary") && len(ds) != 1 {
				ds = append(ds, distSeries{name: "whole run", lat: l, color: len(ds), dash: 1})
			}
			if c := distChart(m.file+"-latency-distribution", "Percentile distribution of "+m.name+" latency", ds); c != nil {
				out = append(out, *c)
			}
		}
	}
	t := r.Samples
	if t == nil || t.Rows == 0 || t.Columns["seconds"] == nil {
		return out
	}
	xs := t.Columns["seconds"]
	marks := r.drawnMarks()
	for _, col := range []struct{ col, file, what string }{
		{"connect_p99_ms", "connect-p99", "Connect latency p99"},
		{"handshake_p99_ms", "handshake-p99", "Handshake p99"},
		{"rtt_p99_ms", "rtt-p99", "Round-trip p99"},
	} {
		ys := t.Columns[col.col]
		if !hasValue(ys) {
			continue
		}
		c := overTime(col.file, col.what+" per interval against established connections", xs, marks,
			"", []series{{name: col.col, xs: xs, ys: scaled(ys, 1e-3)}})
		latencyAxis(&c, "p99")
		c.lower = establishedPanel(xs, []series{{name: "cli_established", xs: xs, ys: t.Columns["cli_established"]}})
		out = append(out, c)
	}
	var rates []series
	for i, col := range []string{"msgs_asked_per_sec", "msgs_answered_per_sec"} {
		if ys := t.Columns[col]; hasValue(ys) {
			rates = append(rates, series{name: col, xs: xs, ys: ys, color: i, dash: i})
		}
	}
	if len(rates) > 0 {
		out = append(out, overTime("traffic", "Messages asked and answered per second", xs, marks, "messages per second", rates))
	}
	return out
}

// overTime is a chart over the samples' time axis, from the first sample to the last.
func overTime(name, title string, xs []float64, marks []mark, ylabel string, s []series) chart {
	return chart{name: name, title: title, xlabel: "time since start (s)", ylabel: ylabel, marks: marks,
		series: s, xmin: xs[0], xmax: xs[len(xs)-1]}
}

// establishedPanel is the lower panel of a p99 chart: established connections.
func establishedPanel(xs []float64, s []series) *chart {
	var keep []series
	for _, x := range s {
		if x.ys != nil {
			keep = append(keep, x)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return &chart{name: "established", title: "Established connections", xlabel: "time since start (s)",
		ylabel: "connections", series: keep, xmin: xs[0], xmax: xs[len(xs)-1]}
}

// compareLatencyCharts overlays the runs' latencies: the whole-run
// percentile distributions of connects and round trips, one colour per
// run, and each interval's p99 over time above the established connections.
func compareLatencyCharts(runs []*run, labels []string) []chart {
	var out []chart
	for _, m := range latencyMeasures {
		var ds []distSeries
		for i, r := range runs {
			if r.Has("summary") {
				if l := m.summary(&r.Record.Summary); l != nil {
					ds = append(ds, distSeries{name: label(labels[i]), lat: l, color: i})
				}
			}
		}
		if c := distChart(m.file+"-latency-distribution", "Percentile distribution of "+m.name+" latency, whole run", ds); c != nil {
			out = append(out, *c)
		}
	}
	for _, col := range []struct{ col, file, what string }{
		{"connect_p99_ms", "connect-p99", "Connect latency p99"},
		{"handshake_p99_ms", "handshake-p99", "Handshake p99"},
		{"rtt_p99_ms", "rtt-p99", "Round-trip p99"},
	} {
		var top, low []series
		xmin, xmax := math.Inf(1), math.Inf(-1)
		for i, r := range runs {
			t := r.Samples
			if t == nil || t.Rows == 0 || t.Columns["seconds"] == nil || !hasValue(t.Columns[col.col]) {
				continue
			}
			xs := t.Columns["seconds"]
			xmin, xmax = min(xmin, xs[0]), max(xmax, xs[len(xs)-1])
			top = append(top, series{name: label(labels[i]) + " " + col.col, xs: xs, ys: scaled(t.Columns[col.col], 1e-3), color: i})
			if est := t.Columns["cli_established"]; est != nil {
				low = append(low, series{name: label(labels[i]) + " cli_established", xs: xs, ys: est, color: i, dash: i})
			}
		}
		if len(top) == 0 {
			continue
		}
		c := chart{name: col.file, title: col.what + " per interval against established connections",
			xlabel: "time since start (s)", series: top, xmin: xmin, xmax: xmax}
		latencyAxis(&c, "p99")
		c.lower = establishedPanel([]float64{xmin, xmax}, low)
		out = append(out, c)
	}
	return out
}

// hasValue reports whether ys holds a value that is not NaN (an empty cell).
func hasValue(ys []float64) bool {
	for _, y := range ys {
		if !math.IsNaN(y) {
			return true
		}
	}
	return false
}

// finite returns the values of ys that are not NaN.
func finite(ys []float64) []float64 {
	var out []float64
	for _, y := range ys {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			out = append(out, y)
		}
	}
	return out
}
