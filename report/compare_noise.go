package report

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/internal/stats"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// repeats is what compare knows of a run's repeats: each metric's spread
// over the runs of a repeat (run --repeat) or of one point of a sweep, or
// over the one run of a plain results directory.
type repeats map[string]stats.Spread

// loadCompared reads one directory named to compare: a results directory,
// or a repeat (a sweep directory of one point), which is compared through
// its first finished run (charts, settings) and its spread (the noise).
func loadCompared(dir string) (*run, repeats, error) {
	d, err := results.OpenDir(dir)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	if !results.IsSweepDir(d) {
		r, err := loadDir(d)
		if err != nil {
			return nil, nil, err
		}
		sp := repeats{}
		if r.Record != nil && r.Has("summary") {
			for k, v := range results.MetricsOf(r.Record) {
				sp[k], _ = stats.Of([]float64{v})
			}
		}
		return r, sp, nil
	}
	s, err := d.ReadSweep()
	if err != nil {
		return nil, nil, err
	}
	if len(s.Points) != 1 {
		return nil, nil, fmt.Errorf("%w: %s is a sweep of %d points; its own report (sweep.html) sets them side by side. Compare repeats (run --repeat) or single runs",
			results.ErrOutOfBounds, dir, len(s.Points))
	}
	sp := pointSpreads(s)[0]
	for _, r := range s.Runs {
		if r.Done() {
			rr, err := load(d.Join(r.Dir))
			if err != nil {
				return nil, nil, fmt.Errorf("%s, its run %s: %w", dir, r.Dir, err)
			}
			rr.Dir = dir
			rr.notice("A repeat of %d runs: its charts and settings are those of its run %s; its metrics below are over every run.", s.Repeat, r.Dir)
			return rr, repeats(sp), nil
		}
	}
	return nil, nil, fmt.Errorf("%w: %s is a repeat with no finished run yet", results.ErrOutOfBounds, dir)
}

// noiseCompare puts each metric's median [min–max] side by side, with
// its ratio to the first run's, and says "within noise" where the
// difference is smaller than the range of either side's repeats. It is
// left out when no input has repeats.
func noiseCompare(reps []repeats, labels []string) (table, bool) {
	any := false
	for _, r := range reps {
		for _, v := range r {
			any = any || v.N > 1
		}
	}
	if !any {
		return table{}, false
	}
	t := table{title: "Metrics over the repeats", head: append([]string{"metric"}, labels...),
		note: "Each figure is the median [min–max] of a side's repeats. A difference smaller than the range of either side is within noise: the repeats themselves differ as much."}
	for _, m := range results.SweepMetrics {
		row := []string{m.Label}
		have := false
		base, hasBase := reps[0][m.Name]
		for i, r := range reps {
			v, ok := r[m.Name]
			if !ok {
				row = append(row, "—")
				continue
			}
			have = true
			cell := spreadText(m, v)
			if i > 0 && hasBase {
				cell += " (" + ratio(v.Median, base.Median)
				if stats.WithinNoise(v, base) {
					cell += ", within noise"
				}
				cell += ")"
			}
			row = append(row, cell)
		}
		if have {
			t.rows = append(t.rows, row)
		}
	}
	return t, true
}
