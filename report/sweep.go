package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/stats"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// SweepFiles writes the report of the sweep (or repeat) s into d, its
// directory: sweep.html, sweep.md and, for a sweep, one chart per metric,
// charts/sweep-<metric>.png, of the metric's median against the first
// parameter with bars from its smallest to its largest repeat (one line
// per value of the second parameter). It returns the paths written.
func SweepFiles(d *results.Dir, s *results.Sweep) ([]string, error) {
	doc := &document{title: sweepTitle(s), subtitle: sweepSubtitle(s), verdict: sweepVerdict(s)}
	doc.notices = sweepNotices(s)
	doc.before = []table{sweepSummary(s)}
	if len(s.Parameters) > 0 {
		doc.before = append(doc.before, pointsTable(s))
	}
	doc.after = []table{sweepRunsTable(s, func(run string) bool { return d.Has(run + "/report.html") })}
	figs, err := drawFigures(d, "sweep-", sweepCharts(s), &doc.notices)
	if err != nil {
		return nil, err
	}
	doc.charts = figs
	return doc.write(d, "sweep")
}

// SweepText is the sweep's summary for the terminal: each metric per
// point as median [min–max] with its coefficient of variation.
func SweepText(s *results.Sweep) string {
	t := sweepSummary(s)
	var b strings.Builder
	b.WriteString(t.title + "\n")
	if t.note != "" {
		b.WriteString("  " + t.note + "\n")
	}
	b.WriteString(t.text())
	return b.String()
}

func sweepTitle(s *results.Sweep) string {
	if s.Kind == results.KindRepeat {
		return fmt.Sprintf("c1m-testbed repeat: %s × %d", s.Scenario, s.Repeat)
	}
	keys := make([]string, len(s.Parameters))
	for i, p := range s.Parameters {
		keys[i] = p.Key
	}
	return fmt.Sprintf("c1m-testbed sweep: %s over %s", s.Scenario, strings.Join(keys, " × "))
}

func sweepSubtitle(s *results.Sweep) string {
	var parts []string
	if s.Kind == results.KindRepeat {
		parts = append(parts, fmt.Sprintf("%s run %d times, one after another.", s.Scenario, s.Repeat))
	} else {
		parts = append(parts, fmt.Sprintf("%s: %d points × %d repeats = %d runs, interleaved (repeat r of every point before repeat r+1).",
			s.Scenario, len(s.Points), s.Repeat, len(s.Runs)))
	}
	if s.Scale != 1 {
		parts = append(parts, fmt.Sprintf("Scale %g.", s.Scale))
	}
	if len(s.Set) > 0 {
		parts = append(parts, "Every run with --set "+strings.Join(s.Set, ", --set ")+".")
	}
	parts = append(parts, "Each figure is the median of the repeats with their range [min–max]; cv is the coefficient of variation.")
	return strings.Join(parts, " ")
}

// sweepVerdict is pass when every run ran and passed, fail when one failed.
func sweepVerdict(s *results.Sweep) string {
	v := "pass"
	for _, r := range s.Runs {
		switch {
		case r.Status == results.StatusFailed:
			return "fail"
		case r.Status != results.StatusPassed:
			v = ""
		}
	}
	return v
}

func sweepNotices(s *results.Sweep) []string {
	var out []string
	if s.Stopped != "" {
		out = append(out, "The sweep stopped: "+s.Stopped+". Continue it with c1m-testbed sweep --resume DIR.")
	}
	counts := map[string]int{}
	for _, r := range s.Runs {
		counts[r.Status]++
	}
	for _, st := range []string{results.StatusPending, results.StatusInterrupted, results.StatusError} {
		if n := counts[st]; n > 0 {
			out = append(out, fmt.Sprintf("%s %s: their points have fewer repeats than the others.", units.Plural(int64(n), "run", "runs"), st))
		}
	}
	return out
}

// pointSpreads returns, per point, each metric's spread over the runs
// that ran (passed or failed).
func pointSpreads(s *results.Sweep) []map[string]stats.Spread {
	vals := make([]map[string][]float64, len(s.Points))
	for i := range vals {
		vals[i] = map[string][]float64{}
	}
	for _, r := range s.Runs {
		if !r.Done() {
			continue
		}
		for k, v := range r.Metrics {
			vals[r.Point][k] = append(vals[r.Point][k], v)
		}
	}
	out := make([]map[string]stats.Spread, len(s.Points))
	for i, m := range vals {
		out[i] = map[string]stats.Spread{}
		for k, xs := range m {
			if sp, ok := stats.Of(xs); ok {
				out[i][k] = sp
			}
		}
	}
	return out
}

// sweepSummary has a row per metric and a column per point.
func sweepSummary(s *results.Sweep) table {
	sp := pointSpreads(s)
	t := table{title: "Summary: median [min–max] of the repeats", head: []string{"metric"}, textLeft: 1}
	if len(s.Parameters) > 0 {
		keys := make([]string, len(s.Parameters))
		for i, p := range s.Parameters {
			keys[i] = p.Key
		}
		t.note = "A column per point: " + strings.Join(keys, " / ") + "."
	}
	for _, p := range s.Points {
		h := strings.Join(p.Values, " / ")
		if len(p.Values) == 0 {
			h = fmt.Sprintf("%d runs", s.Repeat)
		}
		t.head = append(t.head, h)
	}
	for _, m := range results.SweepMetrics {
		row := []string{m.Label}
		any := false
		for i := range s.Points {
			v, ok := sp[i][m.Name]
			if !ok {
				row = append(row, "—")
				continue
			}
			any = true
			row = append(row, spreadText(m, v))
		}
		if any {
			t.rows = append(t.rows, row)
		}
	}
	if len(t.rows) == 0 {
		t.note = strings.TrimSpace(t.note + " No run has finished yet.")
	}
	return t
}

// spreadText is "21.3 s [20.1 s–24.0 s] cv 8%", or the value alone for one run.
func spreadText(m results.SweepMetric, v stats.Spread) string {
	if v.N == 1 {
		return metricText(m, v.Median)
	}
	return fmt.Sprintf("%s [%s–%s] cv %.0f%%", metricText(m, v.Median), metricText(m, v.Min), metricText(m, v.Max), 100*v.CV)
}

// metricText formats one value of m in its unit.
func metricText(m results.SweepMetric, v float64) string {
	switch m.Unit {
	case "s":
		return units.Seconds(v)
	case "B":
		return units.Count(math.Round(v)) + " B"
	}
	return units.Count(math.Round(v))
}

// pointsTable lists the points with their runs.
func pointsTable(s *results.Sweep) table {
	t := table{title: "Points", head: []string{"point"}, textLeft: 1}
	for _, p := range s.Parameters {
		t.head = append(t.head, p.Key)
	}
	t.head = append(t.head, "runs", "passed")
	for i, p := range s.Points {
		done, passed := 0, 0
		for _, r := range s.Runs {
			if r.Point == i && r.Done() {
				done++
				if r.Status == results.StatusPassed {
					passed++
				}
			}
		}
		row := append([]string{strconv.Itoa(i + 1)}, p.Values...)
		t.rows = append(t.rows, append(row, fmt.Sprintf("%d of %d", done, s.Repeat), strconv.Itoa(passed)))
	}
	return t
}

// sweepRunsTable lists every run in the order it ran, linked to its
// report where hasReport says it has one (not under --no-report).
func sweepRunsTable(s *results.Sweep, hasReport func(dir string) bool) table {
	t := table{title: "Runs, in the order they ran", head: []string{"run", "point", "repeat", "result", "started", "took", "peak established", "ramp", "kernel B/conn"}, textLeft: 2}
	metric := func(r results.SweepRun, name string) string {
		for _, m := range results.SweepMetrics {
			if v, ok := r.Metrics[name]; ok && m.Name == name {
				return metricText(m, v)
			}
		}
		return "—"
	}
	for _, r := range s.Runs {
		result := r.Status
		switch r.Status {
		case results.StatusPassed:
			result = "✔ passed"
		case results.StatusFailed:
			result = "✘ FAILED"
		}
		if r.Error != "" {
			result += ": " + r.Error
		}
		took := "—"
		if !r.Started.IsZero() && r.Ended.After(r.Started) {
			took = units.Duration(r.Ended.Sub(r.Started).Round(100 * time.Millisecond))
		}
		label := s.Label(r.Point)
		if label == "" {
			label = "—"
		}
		t.rows = append(t.rows, []string{r.Dir, label, strconv.Itoa(r.Repeat), result, timeText(r.Started), took,
			metric(r, "peak_established"), metric(r, "ramp_seconds"), metric(r, "kernel_bytes_per_conn")})
		link := ""
		if r.Status != results.StatusPending && hasReport(r.Dir) {
			link = r.Dir
		}
		t.links = append(t.links, link)
	}
	return t
}

// sweepCharts draws, for a sweep, each metric some run has against the
// first parameter, one line per value of the second (the points with
// the other parameters' first values).
func sweepCharts(s *results.Sweep) []chart {
	if len(s.Parameters) == 0 {
		return nil
	}
	sp := pointSpreads(s)
	first := s.Parameters[0]
	xs, nominal := axisValues(first.Values)
	var out []chart
	for _, m := range results.SweepMetrics {
		c := chart{name: m.Name, title: m.Label + " against " + first.Key, xlabel: first.Key, ylabel: metricAxis(m), nominal: nominal}
		if nominal == nil {
			lo, hi := slices.Min(xs), slices.Max(xs)
			pad := max(hi-lo, math.Abs(hi), 1) * 0.05
			c.xmin, c.xmax = lo-pad, hi+pad // room for the end points' bars
		}
		lines := [][]int{allPoints(s)}
		var names []string
		if len(s.Parameters) > 1 {
			lines, names = linesBySecond(s)
		}
		for li, pts := range lines {
			ser := series{color: li}
			ser.name = "median, bars min–max"
			if names != nil {
				ser.name = s.Parameters[1].Key + "=" + names[li]
			}
			for _, p := range pts {
				v, ok := sp[p][m.Name]
				if !ok {
					continue
				}
				x := xs[valueIndex(first.Values, s.Points[p].Values[0])]
				ser.xs, ser.ys = append(ser.xs, x), append(ser.ys, v.Median)
				ser.lo, ser.hi = append(ser.lo, v.Min), append(ser.hi, v.Max)
			}
			if len(ser.xs) > 0 {
				c.series = append(c.series, sortedByX(ser))
			}
		}
		if len(c.series) > 0 {
			if m.Unit == "s" && seriesMax(c) < 1 {
				scaleSeries(&c, 1000) // latencies read better in ms
				c.ylabel = "ms"
			}
			out = append(out, c)
		}
	}
	return out
}

// allPoints is every point, for a sweep of one parameter.
func allPoints(s *results.Sweep) []int {
	out := make([]int, len(s.Points))
	for i := range out {
		out[i] = i
	}
	return out
}

// linesBySecond groups the points by the second parameter's value,
// keeping those whose third and later values are their parameters'
// first (the chart is a slice of the grid).
func linesBySecond(s *results.Sweep) ([][]int, []string) {
	second := s.Parameters[1].Values
	lines := make([][]int, len(second))
	for p, pt := range s.Points {
		slice := true
		for k := 2; k < len(s.Parameters); k++ {
			slice = slice && pt.Values[k] == s.Parameters[k].Values[0]
		}
		if slice {
			j := valueIndex(second, pt.Values[1])
			lines[j] = append(lines[j], p)
		}
	}
	return lines, second
}

func valueIndex(values []string, v string) int {
	for i, x := range values {
		if x == v {
			return i
		}
	}
	return 0
}

// axisValues places a parameter's values on the x axis: at their numbers
// when every value reads as one (a count such as 10k, a size such as
// 64KiB, a duration in seconds), else at 0, 1, 2, … named by the values.
func axisValues(values []string) ([]float64, []string) {
	xs := make([]float64, len(values))
	for i, v := range values {
		x, ok := number(v)
		if !ok {
			for j := range xs {
				xs[j] = float64(j)
			}
			return xs, values
		}
		xs[i] = x
	}
	return xs, nil
}

// number reads a value as --set takes it: a plain number, a count, a size or a duration.
func number(v string) (float64, bool) {
	v = strings.Trim(v, `"`)
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return f, true
	}
	if n, err := scenarios.ParseCount(v); err == nil {
		return float64(n), true
	}
	if n, err := scenarios.ParseSize(v); err == nil {
		return float64(n), true
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d.Seconds(), true
	}
	return 0, false
}

func metricAxis(m results.SweepMetric) string {
	switch m.Unit {
	case "B":
		return "bytes"
	case "1/s":
		return "per second"
	case "pages":
		return "pages (4 KiB)"
	case "":
		return "count"
	case "s":
		return "seconds"
	}
	return m.Unit
}

// scaleSeries multiplies every y of c by f.
func scaleSeries(c *chart, f float64) {
	for i := range c.series {
		s := &c.series[i]
		s.ys, s.lo, s.hi = scaled(s.ys, f), scaled(s.lo, f), scaled(s.hi, f)
	}
}

// seriesMax is the largest y or hi of c's series.
func seriesMax(c chart) float64 {
	top := math.Inf(-1)
	for _, s := range c.series {
		for _, v := range append(slices.Clone(s.ys), s.hi...) {
			if !math.IsNaN(v) {
				top = max(top, v)
			}
		}
	}
	return top
}

// sortedByX orders a series' points by x, so that values given out of
// order (--set client.connections=40k,10k,20k) draw one line, not a zigzag.
func sortedByX(s series) series {
	idx := make([]int, len(s.xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(s.xs[a], s.xs[b]) })
	pick := func(v []float64) []float64 {
		out := make([]float64, len(idx))
		for i, j := range idx {
			out[i] = v[j]
		}
		return out
	}
	s.xs, s.ys, s.lo, s.hi = pick(s.xs), pick(s.ys), pick(s.lo), pick(s.hi)
	return s
}
