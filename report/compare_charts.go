package report

import "github.com/c1m-testbed/c1m-testbed/results"

// compareCharts overlays the runs: one colour per run, one dash per quantity.
func compareCharts(runs []*run, labels []string) []chart {
	const sec = "time since start (s)"
	cs := []chart{
		{name: "established", title: "Established connections (client)", xlabel: sec, ylabel: "connections"},
		{name: "rates", title: "Connects (solid) and closes (dashed) per second", xlabel: sec, ylabel: "per second"},
		{name: "errors", title: "Errors, all errnos (cumulative)", xlabel: sec, ylabel: "errors"},
		{name: "close", title: "TIME_WAIT (solid) and orphans (dashed), aligned on the close start", xlabel: "time since the close phase began (s)", ylabel: "sockets"},
		{name: "tcp-mem", title: "Kernel TCP memory (sockstat mem)", xlabel: sec, ylabel: "pages (4 KiB)"},
		{name: "memory", title: "Slab (solid) and user RSS of all workers (dashed)", xlabel: sec, ylabel: "MiB"},
	}
	for i, r := range runs {
		t := r.Samples
		if t == nil || t.Rows == 0 || t.Columns["seconds"] == nil {
			continue
		}
		xs := t.Columns["seconds"]
		add := func(c int, name string, dash int, ys []float64) {
			if ys == nil || (c == 2 && allZero(ys)) {
				return
			}
			cs[c].series = append(cs[c].series, series{name: label(labels[i]) + " " + name, xs: xs, ys: ys, color: i, dash: dash})
		}
		add(0, "cli_established", 0, t.Columns["cli_established"])
		add(1, "connects/s", 0, t.Columns["connects_per_sec"])
		add(1, "closes/s", 1, t.Columns["closes_per_sec"])
		add(2, "errors", 0, sumColumns(t, prefixed(t.Header, "err_")...))
		add(4, "tcp_mem_pages", 0, t.Columns["tcp_mem_pages"])
		add(5, "slab", 0, scaled(t.Columns["slab"], 1.0/(1<<20)))
		add(5, "RSS", 1, scaled(sumColumns(t, "cli_rss", "srv_rss"), 1.0/(1<<20)))
		// Close storm: shift time so every run's close phase starts at 0.
		shift := 0.0
		closes := closePhases(r.Record)
		for _, m := range phaseBoundaries(r) {
			if closes(m.phase) {
				shift = m.x
				break
			}
		}
		sx := make([]float64, len(xs))
		for j, x := range xs {
			sx[j] = x - shift
		}
		if shift > 0 {
			cs[3].xmin = -2 // from just before the close storm
			cs[3].xmax = max(cs[3].xmax, sx[len(sx)-1])
		}
		if tw := sumColumns(t, "srv_tw", "cli_tw"); tw != nil {
			cs[3].series = append(cs[3].series, series{name: label(labels[i]) + " TIME_WAIT", xs: sx, ys: tw, color: i})
		}
		if or := sumColumns(t, "srv_orphan", "cli_orphan"); or != nil {
			cs[3].series = append(cs[3].series, series{name: label(labels[i]) + " orphans", xs: sx, ys: or, color: i, dash: 1})
		}
	}
	var out []chart
	for _, c := range cs {
		if len(c.series) > 0 {
			out = append(out, c)
		}
	}
	return append(out, compareLatencyCharts(runs, labels)...)
}

func prefixed(names []string, prefix string) []string {
	var out []string
	for _, n := range names {
		if len(n) > len(prefix) && n[:len(prefix)] == prefix {
			out = append(out, n)
		}
	}
	return out
}

// sumColumns adds the named columns row by row; nil when none exists.
func sumColumns(t *results.Table, names ...string) []float64 {
	var sum []float64
	for _, n := range names {
		col, ok := t.Columns[n]
		if !ok {
			continue
		}
		if sum == nil {
			sum = make([]float64, t.Rows)
		}
		for j := range sum {
			if j < len(col) {
				sum[j] += col[j]
			}
		}
	}
	return sum
}
