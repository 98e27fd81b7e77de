package report

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// returnsWithin fails the test when f does not return within d (it is left
// running: the test binary ends with the failure).
func returnsWithin(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// allocated returns the bytes f allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

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
			returnsWithin(t, 2*time.Second, "Ticks", func() { n = tt.ticker(tt.lo, tt.hi) })
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
	tab, err := ReadSamples(strings.NewReader(samplesText(40000, true)))
	if err != nil {
		t.Fatal(err)
	}
	rec := &Record{}
	for i := range MaxPhases {
		rec.Phases = append(rec.Phases, Phase{Name: fmt.Sprintf("p%d", i), Kind: "hold"})
	}
	r := &Run{Record: rec, Samples: tab}
	var cs []chart
	returnsWithin(t, 5*time.Second, "runCharts", func() { cs = runCharts(r) })
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

// TestRecordBounds: run.json beyond the bounds of a real run is refused
// before it is decoded, with ErrOutOfBounds; a real one passes.
func TestRecordBounds(t *testing.T) {
	hist := `{"histogram":{"unit":"ns","sig":3}}`
	for _, tt := range []struct {
		name string
		data string
		ok   bool
	}{
		{"real", readFile(t, filepath.Join("testdata", "heartbeat", RunFile)), true},
		{"deep", strings.Repeat("[", MaxJSONDepth+1), false},
		{"keys", `{"extra":{` + strings.Repeat(`"k":"",`, MaxObjectKeys) + `"k":""}}`, false},
		{"phases", `{"phases":[` + strings.Repeat(`{},`, MaxPhases) + `{}]}`, false},
		{"phases ok", `{"phases":[` + strings.Repeat(`{},`, MaxPhases-1) + `{}]}`, true},
		{"phases folded", `{"PHASES":[` + strings.Repeat(`{},`, MaxPhases) + `{}]}`, false},
		{"histograms", `{"x":[` + strings.Repeat(hist+",", MaxHistograms) + hist + `]}`, false},
		{"histograms escaped", `{"x":[` + strings.Repeat(`{"hi\u0073togram":1},`, MaxHistograms+1) + `1]}`, false},
		{"plan", `{"plan":{"a":"` + strings.Repeat("x", MaxSectionSize) + `"}}`, false},
		{"small values", `{"notes":[` + strings.Repeat(`[],`, MaxRecordMemory/costElement/2) + `[]]}`, false},
		{"malformed", `{"phases":]]]}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := recordCost([]byte(tt.data))
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrOutOfBounds) {
				t.Errorf("recordCost = %v, want ErrOutOfBounds", err)
			}
		})
	}
}

// TestLoadSparseRecord: a 2 GB sparse run.json needed 1.27 GB before it was
// refused; it is refused from its size, reading nothing, exit status 2.
func TestLoadSparseRecord(t *testing.T) {
	for _, name := range []string{RunFile, SamplesFile} {
		dir := copyResults(t, "fin")
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(2 << 30); err != nil {
			t.Skipf("cannot make a sparse file here: %v", err)
		}
		f.Close()
		var lerr error
		n := allocated(func() { _, lerr = Load(dir) })
		if !errors.Is(lerr, ErrOutOfBounds) {
			t.Errorf("%s: Load = %v, want ErrOutOfBounds", name, lerr)
		}
		if n > 8<<20 {
			t.Errorf("%s: Load allocated %d MiB to refuse it", name, n>>20)
		}
	}
}

// TestReadSamplesBounds: samples.csv beyond bounds is refused as it is
// read (10M columns took gigabytes); malformed rows are left out.
func TestReadSamplesBounds(t *testing.T) {
	cols := make([]string, MaxSampleColumns+1)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	for _, tt := range []struct {
		name string
		data string
		err  error // nil: read, with rows rows
		rows int
	}{
		{"columns", strings.Join(cols, ",") + "\n", ErrOutOfBounds, 0},
		{"columns quoted", `"` + strings.Join(cols, `","`) + "\"\n", ErrOutOfBounds, 0},
		{"line", "seconds,phase\n0," + strings.Repeat("x", MaxSampleLine) + "\n", ErrOutOfBounds, 0},
		{"line unterminated quote", "seconds,phase\n0,\"" + strings.Repeat("x\n", MaxSampleLine/2) + "\n", ErrOutOfBounds, 0},
		{"rows", "seconds\n" + strings.Repeat("0\n", MaxSampleRows+1), ErrOutOfBounds, 0},
		{"rows ok", "seconds\n" + strings.Repeat("0\n", 1000), nil, 1000},
		{"far seconds", "seconds,x\n0,1\n1e17,1\n1e17,2\nInf,3\nNaN,4\n-1e300,5\n1,2\n", nil, 2},
		{"quoted phase with a line break", "seconds,phase,x\n0,\"a\nb\",1\n1,b,2\n", nil, 2},
		{"duplicate column", "seconds,x,x\n0,1,2\n", errors.New("twice"), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var tab *Table
			var err error
			returnsWithin(t, 10*time.Second, "ReadSamples", func() { tab, err = ReadSamples(strings.NewReader(tt.data)) })
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("ReadSamples: %v", err)
			case tt.err == nil && tab.Rows != tt.rows:
				t.Errorf("%d rows, want %d", tab.Rows, tt.rows)
			case tt.err == ErrOutOfBounds && !errors.Is(err, ErrOutOfBounds):
				t.Errorf("ReadSamples = %v, want ErrOutOfBounds", err)
			case tt.err != nil && tt.err != ErrOutOfBounds && (err == nil || !strings.Contains(err.Error(), tt.err.Error())):
				t.Errorf("ReadSamples = %v, want an error saying %q", err, tt.err)
			}
		})
	}
	tab, err := ReadSamples(strings.NewReader("seconds,x,connect_p99_ms\n0,1e400,\n1,2e19,3\n"))
	if err != nil || tab.Rows != 2 {
		t.Fatalf("ReadSamples: %v", err)
	}
	for _, v := range tab.Columns["x"] {
		if v == v { // not NaN
			t.Errorf("x = %v, want NaN for a value beyond MaxSampleValue", tab.Columns["x"])
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
			os.Remove(filepath.Join(dir, RunFile))
			return os.Link(secret, filepath.Join(dir, RunFile+".tmp-x"))
		}},
		{"hard link as run.json", func(dir string) error {
			os.Remove(filepath.Join(dir, RunFile))
			return os.Link(secret, filepath.Join(dir, RunFile))
		}},
		{"FIFO as temporary", func(dir string) error {
			os.Remove(filepath.Join(dir, RunFile))
			return syscall.Mkfifo(filepath.Join(dir, RunFile+".tmp-x"), 0o644)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyResults(t, "fin")
			if err := tt.plant(dir); err != nil {
				t.Skipf("cannot plant it here: %v", err)
			}
			var run *Run
			var err error
			returnsWithin(t, 5*time.Second, "Load", func() { run, err = Load(dir) })
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if run.Record != nil {
				t.Errorf("the planted file was read: %+v", run.Record.RunID)
			}
			if _, err := GenerateFiles(dir); err != nil {
				t.Fatalf("GenerateFiles: %v", err)
			}
			if html := readFile(t, filepath.Join(dir, HTMLFile)); strings.Contains(html, "SECRET") {
				t.Error("report.html holds the planted file's content")
			}
		})
	}
}

// TestReportEscapesText: text from run.json and samples.csv reaches
// report.md and report.html escaped: no escape sequence, carriage return
// or bidirectional override survives to a terminal or a browser.
func TestReportEscapesText(t *testing.T) {
	dir := copyResults(t, "fin")
	rec, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec.Scenario = "x\x1b[2J\x1b[Hall expectations held"
	rec.Description = "rtl \u202eevil"
	rec.Failure = "hide\rthis"
	rec.Notes = []string{"bell\x07"}
	if err := WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{MarkdownFile, HTMLFile} {
		data := readFile(t, filepath.Join(dir, name))
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
	dir := copyResults(t, "fin")
	dirs := make([]string, MaxCompareRuns+1)
	for i := range dirs {
		dirs[i] = dir
	}
	_, err := CompareFiles(filepath.Join(t.TempDir(), "out"), dirs...)
	if !errors.Is(err, ErrOutOfBounds) {
		t.Errorf("CompareFiles of %d runs = %v, want ErrOutOfBounds", len(dirs), err)
	}
}

// TestLeftTempManyEntries: the search for a left temporary lists the
// directory in batches and still finds the first in name order.
func TestLeftTempManyEntries(t *testing.T) {
	dir := t.TempDir()
	for i := range 600 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{RunFile + ".tmp-b", RunFile + ".tmp-a"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := leftTemp(d); got != RunFile+".tmp-a" {
		t.Errorf("leftTemp = %q, want %s", got, RunFile+".tmp-a")
	}
}

// TestSecurityDocListsBounds: docs/security.md lists every bound of the
// results side by its name in the code.
func TestSecurityDocListsBounds(t *testing.T) {
	doc := readFile(t, filepath.Join("..", "docs", "security.md"))
	for _, name := range []string{"MaxRecordSize", "MaxRecordMemory", "MaxJSONDepth", "MaxObjectKeys", "MaxPhases",
		"MaxHistograms", "MaxSectionSize", "MaxSamplesSize", "MaxSampleLine", "MaxSampleColumns", "MaxSampleRows",
		"MaxSampleCells", "MaxSampleSeconds", "MaxSampleValue", "MaxCompareRuns"} {
		if !strings.Contains(doc, "`report."+name+"`") {
			t.Errorf("docs/security.md does not list report.%s", name)
		}
	}
}
