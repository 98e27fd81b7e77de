package report

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// TestTicksEnd: the axis tickers end and stay small for any range,
// including ranges float64 steps cannot cross (samples at seconds 1e17
// and 1e17+16 made siTicks loop for ever) and subnormal minima.
func TestTicksEnd(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct {
		name     string
		ticker   func(lo, hi float64) int
		lo, hi   float64
		maxTicks int
	}{
		{"si 1e17..1e17+16", func(lo, hi float64) int { return len(siTicks{}.Ticks(lo, hi)) }, 1e17, 1e17 + 16, maxTicks},
		{"si -1e308..1e308", func(lo, hi float64) int { return len(siTicks{}.Ticks(lo, hi)) }, -1e308, 1e308, maxTicks},
		{"si 0..inf", func(lo, hi float64) int { return len(siTicks{}.Ticks(lo, hi)) }, 0, inf, maxTicks},
		{"si 0..1e19", func(lo, hi float64) int { return len(siTicks{}.Ticks(lo, hi)) }, 0, 1e19, maxTicks},
		{"si 0..10", func(lo, hi float64) int { return len(siTicks{}.Ticks(lo, hi)) }, 0, 10, maxTicks},
		{"dur subnormal", func(lo, hi float64) int { return len(durTicks{}.Ticks(lo, hi)) }, 5e-324, 1, 9 * maxDecades},
		{"dur 0..1", func(lo, hi float64) int { return len(durTicks{}.Ticks(lo, hi)) }, 0, 1, 9 * maxDecades},
		{"dur 1e-300..1e300", func(lo, hi float64) int { return len(durTicks{}.Ticks(lo, hi)) }, 1e-300, 1e300, 9 * maxDecades},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var n int
			resultstest.ReturnsWithin(t, 2*time.Second, "Ticks", func() { n = tt.ticker(tt.lo, tt.hi) })
			if n > tt.maxTicks {
				t.Errorf("%d ticks, want at most %d", n, tt.maxTicks)
			}
		})
	}
	if n := len(siTicks{}.Ticks(0, 10)); n < 5 {
		t.Errorf("siTicks(0, 10) made %d ticks, want the usual dozen", n)
	}
}

// TestPlanTableDistinctKeys: a plan array of objects with distinct keys
// asked for a rows × keys table (30,000 × 30,000); the columns are bounded.
func TestPlanTableDistinctKeys(t *testing.T) {
	items := make([]any, 500)
	for i := range items {
		items[i] = map[string]any{fmt.Sprintf("k%d", i): i}
	}
	ts := planTables(map[string]any{"x": items})
	if len(ts) != 1 {
		t.Fatalf("%d tables, want 1", len(ts))
	}
	if n := len(ts[0].head); n > maxTableColumns {
		t.Errorf("the table has %d columns, want at most %d", n, maxTableColumns)
	}
	if !strings.Contains(ts[0].note, "500 different keys") {
		t.Errorf("note %q does not say keys were left out", ts[0].note)
	}
	for _, r := range ts[0].rows {
		if len(r) != len(ts[0].head) {
			t.Fatalf("a row has %d cells for %d columns", len(r), len(ts[0].head))
		}
	}
}

// samplesText returns a samples.csv of rows rows, the phase changing
// every row when alternate is set.
func samplesText(rows int, alternate bool) string {
	var b strings.Builder
	b.WriteString("seconds,phase,cli_established\n")
	for i := range rows {
		ph := "hold"
		if alternate && i%2 == 1 {
			ph = "close"
		}
		fmt.Fprintf(&b, "%d.5,%s,%d\n", i, ph, i)
	}
	return b.String()
}

// TestChartsManyPhaseChanges: 40,000 phase changes (and as many phases in
// run.json) hung the charts: a mark and a label each, on every chart, and
// a search of the phases for each mark. The marks drawn are bounded and
// the charts are built at once.
func TestChartsManyPhaseChanges(t *testing.T) {
	tab, err := results.ReadSamples(strings.NewReader(samplesText(40000, true)))
	if err != nil {
		t.Fatal(err)
	}
	rec := &results.Record{}
	for i := range results.MaxPhases {
		rec.Phases = append(rec.Phases, results.Phase{Name: fmt.Sprintf("p%d", i), Kind: "hold"})
	}
	r := &run{Run: &results.Run{Record: rec, Samples: tab}}
	var cs []chart
	resultstest.ReturnsWithin(t, 5*time.Second, "runCharts", func() { cs = runCharts(r) })
	if len(cs) == 0 {
		t.Fatal("no chart")
	}
	for _, c := range cs {
		if len(c.marks) > maxMarks {
			t.Errorf("chart %s has %d marks, want at most %d", c.name, len(c.marks), maxMarks)
		}
	}
	if !strings.Contains(strings.Join(r.Notices, " "), "changed 39999 times") {
		t.Errorf("notices %q do not say marks were left out", r.Notices)
	}
}

// TestReportEscapesText: text from run.json and samples.csv reaches
// report.md and report.html escaped: no escape sequence, carriage return
// or bidirectional override survives to a terminal or a browser.
func TestReportEscapesText(t *testing.T) {
	dir := resultstest.Copy(t, "fin")
	rec, err := results.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec.Scenario = "x\x1b[2J\x1b[Hall expectations held"
	rec.Description = "rtl \u202eevil"
	rec.Failure = "hide\rthis"
	rec.Notes = []string{"bell\x07"}
	if err := writeRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{MarkdownFile, HTMLFile} {
		data := resultstest.ReadFile(t, filepath.Join(dir, name))
		for _, bad := range []string{"\x1b", "\u202e", "\r", "\x07"} {
			if strings.Contains(data, bad) {
				t.Errorf("%s holds %q raw", name, bad)
			}
		}
		if !strings.Contains(data, `\x1b[2J`) {
			t.Errorf("%s does not show the escape sequence escaped", name)
		}
	}
}

// TestCompareTooManyRuns: compare overlays at most MaxCompareRuns runs.
func TestCompareTooManyRuns(t *testing.T) {
	dir := resultstest.Copy(t, "fin")
	dirs := make([]string, MaxCompareRuns+1)
	for i := range dirs {
		dirs[i] = dir
	}
	_, err := CompareFiles(filepath.Join(t.TempDir(), "out"), dirs...)
	if !errors.Is(err, results.ErrOutOfBounds) {
		t.Errorf("CompareFiles of %d runs = %v, want results.ErrOutOfBounds", len(dirs), err)
	}
}

// TestSecurityDocListsBounds: docs/security.md lists every bound of the
// results side by its name in the code.
func TestSecurityDocListsBounds(t *testing.T) {
	doc := resultstest.ReadFile(t, filepath.Join("..", "docs", "security.md"))
	for _, name := range []string{"MaxRecordSize", "MaxRecordMemory", "MaxJSONDepth", "MaxObjectKeys", "MaxPhases",
		"MaxHistograms", "MaxSectionSize", "MaxSamplesSize", "MaxSampleLine", "MaxSampleColumns", "MaxSampleRows",
		"MaxSampleCells", "MaxSampleSeconds", "MaxSampleValue", "MaxCompareRuns"} {
		if !strings.Contains(doc, "`report."+name+"`") {
			t.Errorf("docs/security.md does not list report.%s", name)
		}
	}
}

// TestLoadRefusesLinksAndSpecialFiles: a hard link planted in a results
// directory (run.json.tmp-x, or run.json itself) is refused like a
// symbolic link, and a FIFO in place of the temporary is not read and
// does not block.
func TestLoadRefusesLinksAndSpecialFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(secret, []byte(`{"version":2,"run_id":"SECRET","scenario":"SECRET"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		plant func(dir string) error
	}{
		{"hard link as temporary", func(dir string) error {
			os.Remove(filepath.Join(dir, results.RunFile))
			return os.Link(secret, filepath.Join(dir, results.RunFile+".tmp-x"))
		}},
		{"hard link as run.json", func(dir string) error {
			os.Remove(filepath.Join(dir, results.RunFile))
			return os.Link(secret, filepath.Join(dir, results.RunFile))
		}},
		{"FIFO as temporary", func(dir string) error {
			os.Remove(filepath.Join(dir, results.RunFile))
			return syscall.Mkfifo(filepath.Join(dir, results.RunFile+".tmp-x"), 0o644)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := resultstest.Copy(t, "fin")
			if err := tt.plant(dir); err != nil {
				t.Skipf("cannot plant it here: %v", err)
			}
			var run *run
			var err error
			resultstest.ReturnsWithin(t, 5*time.Second, "Load", func() { run, err = load(dir) })
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if run.Record != nil {
				t.Errorf("the planted file was read: %+v", run.Record.RunID)
			}
			if _, err := GenerateFiles(dir); err != nil {
				t.Fatalf("GenerateFiles: %v", err)
			}
			if html := resultstest.ReadFile(t, filepath.Join(dir, HTMLFile)); strings.Contains(html, "SECRET") {
				t.Error("report.html holds the planted file's content")
			}
		})
	}
}
