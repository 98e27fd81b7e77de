package report

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// Comparison files written into the output directory.
const (
	CompareHTMLFile     = "compare.html"
	CompareMarkdownFile = "compare.md"
)

// compareTitle starts the title of every comparison; CreateCompareDir
// recognises a previous comparison by it.
const compareTitle = "c1m-testbed comparison: "

// CompareFiles writes out/compare.html, out/compare.md and
// out/charts/compare-*.png and returns their paths: the summaries of the
// runs in dirs side by side with ratios against the first run, the
// settings in which they differ, and their charts overlaid. Partial
// directories are compared for what they hold, with notices. A
// directory that is a repeat (a sweep of one point) is compared over its
// runs: each metric's median and range, a difference within the range
// of either side marked as within noise. The runs are read with
// results.OpenDir; out is prepared with CreateCompareDir.
func CompareFiles(out string, dirs ...string) ([]string, error) {
	if len(dirs) < 2 {
		return nil, fmt.Errorf("compare needs at least two results directories, got %d", len(dirs))
	}
	if len(dirs) > MaxCompareRuns {
		return nil, fmt.Errorf("%w: compare overlays at most %d runs (one colour each), got %d; compare fewer at a time", results.ErrOutOfBounds, MaxCompareRuns, len(dirs))
	}
	var runs []*run
	var reps []repeats
	for _, d := range dirs {
		r, sp, err := loadCompared(d)
		if err != nil {
			return nil, err
		}
		runs, reps = append(runs, r), append(reps, sp)
	}
	labels := runLabels(runs)
	d := &document{title: compareTitle + strings.Join(labels, " vs ")}
	d.subtitle = "Ratios are against the first run, " + labels[0] + "."
	charts := compareCharts(runs, labels) // may add notices to the runs
	for i, r := range runs {
		for _, n := range r.Notices {
			d.notices = append(d.notices, labels[i]+": "+n)
		}
	}
	d.before = []table{runsTable(runs, labels)}
	if t, ok := noiseCompare(reps, labels); ok {
		d.before = append(d.before, t)
	}
	d.before = append(d.before, summaryCompare(runs, labels))
	if t, ok := expectCompare(runs, labels); ok {
		d.before = append(d.before, t)
	}
	d.after = []table{settingsCompare(runs, labels)}
	od, err := CreateCompareDir(out)
	if err != nil {
		return nil, err
	}
	defer od.Close()
	d.charts, err = drawFigures(od, "compare-", charts, &d.notices)
	if err != nil {
		return nil, err
	}
	return d.write(od, "compare")
}

// CreateCompareDir prepares the output directory of compare as results.CreateDir
// does a results directory: a missing one is made, an empty one used, a
// symbolic link refused, and a non-empty one refused (results.ErrUnsafeDir) unless
// it holds a previous comparison of ours (a compare.md we wrote).
func CreateCompareDir(path string) (*results.Dir, error) {
	return results.CreateDirFor(path, isCompareDir, "a previous comparison")
}

// isCompareDir reports whether d holds a regular compare.md that starts
// with the title compare writes.
func isCompareDir(d *results.Dir) bool {
	data, err := d.ReadHead(CompareMarkdownFile, 64)
	return err == nil && strings.HasPrefix(string(data), "# "+compareTitle)
}

// runLabels names each run by its directory, made unique.
func runLabels(runs []*run) []string {
	seen := map[string]int{}
	var out []string
	for _, r := range runs {
		l := filepath.Base(filepath.Clean(r.Dir))
		seen[l]++
		if seen[l] > 1 {
			l = fmt.Sprintf("%s#%d", l, seen[l])
		}
		out = append(out, l)
	}
	return out
}

func runsTable(runs []*run, labels []string) table {
	t := table{title: "Runs", head: []string{"run", "scenario", "run id", "started", "kernel", "result", "directory"}}
	for i, r := range runs {
		row := []string{labels[i], "", "", "", "", "unknown", r.Dir}
		if rec := r.Record; rec != nil {
			row[1], row[2], row[3], row[4] = rec.Scenario, rec.RunID, timeText(rec.Started), rec.Env.Kernel
			if r.Has("passed") {
				row[5] = map[bool]string{true: "✔ passed", false: "✘ FAILED"}[rec.Passed]
			}
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// summaryCompare puts the summaries side by side, each value after the
// first with its ratio to the first run's.
func summaryCompare(runs []*run, labels []string) table {
	t := table{title: "Summary side by side", head: append([]string{"metric"}, labels...)}
	per := make([][]metric, len(runs))
	var order []string
	seen := map[string]bool{}
	for i, r := range runs {
		if !r.Has("summary") {
			continue
		}
		per[i] = recordMetrics(r.Record)
		if r.Has("phases") {
			per[i] = append(per[i], trafficMetrics(r.Record)...)
		}
		for _, m := range per[i] {
			if !seen[m.label] {
				seen[m.label] = true
				order = append(order, m.label)
			}
		}
	}
	// Each run's metrics by label (the first of a label, as a linear
	// search would find): a summary may hold thousands of error names.
	byLabel := make([]map[string]metric, len(runs))
	for i, ms := range per {
		byLabel[i] = map[string]metric{}
		for _, m := range ms {
			if _, ok := byLabel[i][m.label]; !ok {
				byLabel[i][m.label] = m
			}
		}
	}
	find := func(i int, label string) (metric, bool) {
		m, ok := byLabel[i][label]
		return m, ok
	}
	for _, label := range order {
		row := []string{label}
		base, haveBase := find(0, label)
		for i := range runs {
			m, ok := find(i, label)
			cell := "—"
			if ok {
				cell = m.text
				if i > 0 && haveBase && m.numeric && base.numeric {
					cell += " (" + ratio(m.value, base.value) + ")"
				}
			}
			row = append(row, cell)
		}
		t.rows = append(t.rows, row)
	}
	if len(order) == 0 {
		t.note = "No run has a summary."
	}
	return t
}

// expectCompare shows each expectation's verdict per run.
func expectCompare(runs []*run, labels []string) (table, bool) {
	t := table{title: "Expectations", head: append([]string{"expectation"}, labels...)}
	var names []string
	seen := map[string]bool{}
	for _, r := range runs {
		if r.Record == nil {
			continue
		}
		for _, e := range r.Record.Expectations {
			if !seen[e.Name] {
				seen[e.Name] = true
				names = append(names, e.Name)
			}
		}
	}
	// Each run's expectations by name (the last of a name, as before).
	byName := make([]map[string]results.Expectation, len(runs))
	for i, r := range runs {
		byName[i] = map[string]results.Expectation{}
		if r.Record != nil {
			for _, e := range r.Record.Expectations {
				byName[i][e.Name] = e
			}
		}
	}
	for _, n := range names {
		row := []string{n}
		for i := range runs {
			cell := "—"
			if e, ok := byName[i][n]; ok {
				cell = heldText(e.Held) + " (got " + e.Got + ", want " + e.Want + ")"
			}
			row = append(row, cell)
		}
		t.rows = append(t.rows, row)
	}
	return t, len(names) > 0
}

// settingsCompare lists the sysctls, namespace sysctls, host settings and
// plan fields whose values differ between the runs.
func settingsCompare(runs []*run, labels []string) table {
	t := table{title: "Settings that differ", head: append([]string{"setting"}, labels...)}
	values := map[string][]string{}
	add := func(i int, key, v string) {
		if values[key] == nil {
			values[key] = make([]string, len(runs))
		}
		values[key][i] = v
	}
	for i, r := range runs {
		rec := r.Record
		if rec == nil {
			continue
		}
		add(i, "kernel", rec.Env.Kernel)
		add(i, "scale", nonzero(rec.Scale))
		for k, v := range rec.Env.SysctlsBefore {
			add(i, k+" (host, before)", v)
		}
		for k, v := range rec.Env.NamespaceSysctls {
			add(i, k+" (namespaces)", v)
		}
		for _, h := range rec.Host {
			add(i, h.Key+" (set by the run)", h.Set)
		}
		for _, pt := range planTables(rec.Plan) {
			if pt.title == "Plan" {
				for _, row := range pt.rows {
					add(i, "plan."+row[0], row[1])
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		vs := values[k]
		differ := false
		for _, v := range vs[1:] {
			differ = differ || v != vs[0]
		}
		if differ {
			t.rows = append(t.rows, append([]string{k}, vs...))
		}
	}
	if len(t.rows) == 0 {
		t.note = "The runs used the same recorded settings."
	}
	return t
}
