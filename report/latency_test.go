package report

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// within reports whether got is within the histogram's precision (1/128,
// rounded up to 1%) of want.
func within(got, want float64) bool {
	return math.Abs(got-want) <= want/100
}

// stepHist holds 900 × 2 ms, 90 × 20 ms, 9 × 200 ms and 1 × 2 s: p50 and
// p90 are 2 ms, p99 20 ms, p99.9 200 ms and max 2 s.
func stepHist() *histogram.Histogram {
	var h histogram.Histogram
	h.RecordN(2*time.Millisecond, 900)
	h.RecordN(20*time.Millisecond, 90)
	h.RecordN(200*time.Millisecond, 9)
	h.Record(2 * time.Second)
	return &h
}

// rampHist holds 100 µs, 200 µs, …, 100 ms (1000 values): pN is N × 100 µs × 10.
func rampHist() *histogram.Histogram {
	var h histogram.Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * 100 * time.Microsecond)
	}
	return &h
}

// latencyRecord is a record with a connect phase (stepHist), a traffic
// phase (rampHist) and the whole run's latencies.
func latencyRecord() *results.Record {
	start := time.Date(2025, 1, 3, 10, 0, 0, 0, time.UTC)
	conn, rtt := results.NewLatency(stepHist()), results.NewLatency(rampHist())
	return &results.Record{RunID: "20250103T100000Z", Scenario: "latency-unit", Started: start, Ended: start.Add(30 * time.Second),
		Phases: []results.Phase{
			{Name: "ramp", Kind: "connect", Started: start, Ended: start.Add(10 * time.Second), Seconds: 10, Outcome: "done", Connect: conn},
			{Name: "beat", Kind: "traffic", Started: start.Add(10 * time.Second), Ended: start.Add(30 * time.Second), Seconds: 20, Outcome: "done",
				RTT: rtt, Traffic: &results.Traffic{MessagesAsked: 1000, MessagesSent: 1000, MessagesAnswered: 1000, MessagesPerSecond: 50, BytesSent: 64000, BytesReceived: 64000}},
		},
		Summary: results.Summary{Connect: conn, RTT: rtt}, Passed: true}
}

func TestLatencyTableRendersPercentiles(t *testing.T) {
	dir := t.TempDir()
	if err := writeRecord(dir, latencyRecord()); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatal(err)
	}
	md := resultstest.ReadFile(t, filepath.Join(dir, MarkdownFile))
	// The cells are the histogram's values (its bucket midpoints), each
	// within 1% of the recorded one.
	row := func(phase, what string, h *histogram.Histogram, want ...float64) string {
		r := "| " + phase + " | " + what + " | " + units.Count(float64(h.Count())) + " |"
		for i, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
			v := h.ValueAt(q).Seconds()
			if !within(v, want[i]) {
				t.Errorf("%s %s: ValueAt(%g) = %g, want %g", phase, what, q, v, want[i])
			}
			r += " " + units.Seconds(v) + " |"
		}
		return r
	}
	for _, want := range []string{
		"## Latency", "| phase | latency | count | p50 | p90 | p99 | p99.9 | max |",
		row("ramp", "connect", stepHist(), 0.002, 0.002, 0.02, 0.2, 2),
		row("beat", "round trip", rampHist(), 0.05, 0.09, 0.099, 0.0999, 0.1),
		"## Traffic", "| beat | 1,000 | 1,000 | 1,000 | 100.00 % | 50 /s | 50 /s | 62.5 KiB | 62.5 KiB |",
		"| connect p99 | " + units.Seconds(stepHist().ValueAt(0.99).Seconds()) + " |", "| connect max | 2.00 s |",
		"| round trip p50 | " + units.Seconds(rampHist().ValueAt(0.5).Seconds()) + " |", "| round trips timed | 1,000 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| whole run |") {
		t.Error("the latency table repeats a single phase's figures as the whole run")
	}
	// Both latencies have a distribution chart from run.json alone.
	for _, name := range []string{"connect-latency-distribution", "rtt-latency-distribution"} {
		checkPNG(t, filepath.Join(dir, ChartsDir, name+".png"))
	}
}

// TestOldRecordsRenderWithoutLatency renders version 1 and version 2
// records written before latency existed: no latency table or chart, no
// notice about the missing columns.
func TestOldRecordsRenderWithoutLatency(t *testing.T) {
	for _, name := range []string{"fin", "smoke-recorded", "smoke-v2"} {
		dir := resultstest.Copy(t, name)
		if _, err := GenerateFiles(dir); err != nil {
			t.Fatal(err)
		}
		md := resultstest.ReadFile(t, filepath.Join(dir, MarkdownFile))
		for _, bad := range []string{"## Latency", "## Traffic", "connect p50", "lacks the columns", "latency-distribution", "p99.png"} {
			if strings.Contains(md, bad) {
				t.Errorf("%s: the report of a run without latency has %q", name, bad)
			}
		}
		if !strings.Contains(md, "](charts/established.png)") {
			t.Errorf("%s: the report lost its charts", name)
		}
	}
}

func TestGenerateLatencyRun(t *testing.T) {
	dir := resultstest.Copy(t, "heartbeat")
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatal(err)
	}
	html := resultstest.ReadFile(t, filepath.Join(dir, HTMLFile))
	assertSelfContained(t, html)
	if strings.Contains(html, `class="notice"`) {
		t.Error("a complete latency run got a notice")
	}
	charts := svgs(t, html)
	for title, want := range map[string][]string{
		"Percentile distribution of connect latency":    {"connect", "0%", "90%", "99%", "99.9%", "99.99%", "1 s", "100 µs"},
		"Percentile distribution of round trip latency": {"heartbeat", "99.9%"},
		"Connect latency p99 per interval":              {"connect_p99_ms", "cli_established", "Established connections", "heartbeat"},
		"Round-trip p99 per interval":                   {"rtt_p99_ms", "cli_established"},
		"Messages asked and answered":                   {"msgs_asked_per_sec", "msgs_answered_per_sec"},
	} {
		svg := svgWith(t, charts, title)
		for _, w := range want {
			if !strings.Contains(svg, ">"+w+"<") {
				t.Errorf("chart %q lacks the text %q", title, w)
			}
		}
	}
	md := resultstest.ReadFile(t, filepath.Join(dir, MarkdownFile))
	for _, w := range []string{"| connect | connect | 20,000 |", "| heartbeat | round trip | 200,000 |", "| heartbeat | 200,000 |", "| connect p99.9 | 1.00 s |"} {
		if !strings.Contains(md, w) {
			t.Errorf("report.md lacks %q", w)
		}
	}
	for _, name := range []string{"connect-latency-distribution", "rtt-latency-distribution", "connect-p99", "rtt-p99", "traffic"} {
		if !strings.Contains(md, "](charts/"+name+".png)") {
			t.Errorf("report.md does not link %s.png", name)
		}
		checkPNG(t, filepath.Join(dir, ChartsDir, name+".png"))
	}
}

func TestCompareLatencyOverlays(t *testing.T) {
	hb, wan, fin := resultstest.Copy(t, "heartbeat"), resultstest.Copy(t, "heartbeat-wan"), resultstest.Copy(t, "fin")
	out := filepath.Join(t.TempDir(), "cmp")
	if _, err := CompareFiles(out, hb, wan, fin); err != nil {
		t.Fatal(err)
	}
	html := resultstest.ReadFile(t, filepath.Join(out, CompareHTMLFile))
	charts := svgs(t, html)
	for title, want := range map[string][]string{
		"Percentile distribution of connect latency, whole run":    {"heartbeat", "heartbeat-wan"},
		"Percentile distribution of round trip latency, whole run": {"heartbeat", "heartbeat-wan"},
		"Connect latency p99 per interval":                         {"heartbeat connect_p99_ms", "heartbeat-wan connect_p99_ms", "heartbeat cli_established"},
		"Round-trip p99 per interval":                              {"heartbeat rtt_p99_ms", "heartbeat-wan rtt_p99_ms"},
	} {
		svg := svgWith(t, charts, title)
		for _, w := range want {
			if !strings.Contains(svg, ">"+w+"<") {
				t.Errorf("overlay %q lacks %q", title, w)
			}
		}
		if strings.Contains(svg, ">fin") {
			t.Errorf("overlay %q draws fin, which has no latency", title)
		}
	}
	md := resultstest.ReadFile(t, filepath.Join(out, CompareMarkdownFile))
	// The 20 ms link adds 40 ms to every round trip; fin has no latency.
	for _, w := range []string{"| round trip p50 | 109 µs | 40.1 ms (×", "| connect p99 |", " | — |", "messages answered per second (heartbeat)"} {
		if !strings.Contains(md, w) {
			t.Errorf("compare.md lacks %q", w)
		}
	}
	for _, name := range []string{"connect-latency-distribution", "rtt-latency-distribution", "connect-p99", "rtt-p99"} {
		checkPNG(t, filepath.Join(out, ChartsDir, "compare-"+name+".png"))
	}
}

// checkPNG fails unless path is a PNG of the chart size with a drawing on
// it (many colours, not one flat fill).
func checkPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("chart missing: %v", err)
		return
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s is not a PNG: %v", path, err)
		return
	}
	b := img.Bounds()
	if b.Dx() < 800 || b.Dy() < 300 || len(data) < 10_000 {
		t.Errorf("%s is %dx%d, %d bytes: too small for a chart", path, b.Dx(), b.Dy(), len(data))
	}
	if n := colours(img, 64); n < 32 {
		t.Errorf("%s has only %d colours: nothing was drawn", path, n)
	}
}

// colours counts the distinct colours of img, up to limit.
func colours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

func TestSamplesLatencyColumns(t *testing.T) {
	var s results.Sample
	// The latency columns sit just before the process, protocol, cgroup and window columns.
	tail := len(results.ProcessColumns) + len(results.ProtocolColumns) + len(results.CgroupColumns) + len(results.WindowColumns)
	lat := func(row []string) []string { return row[len(row)-tail-4 : len(row)-tail] }
	row := s.Row()
	if len(row) != len(results.Header()) {
		t.Fatalf("row has %d fields, header %d", len(row), len(results.Header()))
	}
	if got := strings.Join(lat(row), ","); got != ",,," {
		t.Errorf("a sample without latency writes %q, want four empty cells", got)
	}
	var conn, rtt histogram.Histogram
	conn.RecordN(3*time.Millisecond, 100)
	s.SetIntervalLatency(&conn, &rtt)
	s.SetIntervalTraffic(0, 0, 0.5)
	row = s.Row()
	if got := strings.Join(lat(row), ","); got != strconvMs(conn.ValueAt(0.99))+",,0.0,0.0" {
		t.Errorf("latency cells = %q", got)
	}
	s.SetIntervalTraffic(500, 250, 0.5)
	if row = lat(s.Row()); row[2] != "1000.0" || row[3] != "500.0" {
		t.Errorf("traffic cells = %q", row[2:])
	}

	// A file with the new columns, one row empty, one filled.
	var b strings.Builder
	b.WriteString(strings.Join(results.Header(), ",") + "\n")
	b.WriteString(strings.Join((&results.Sample{Phase: "a"}).Row(), ",") + "\n")
	b.WriteString(strings.Join(s.Row(), ",") + "\n")
	tab, err := results.ReadSamples(strings.NewReader(b.String()))
	if err != nil || tab.Rows != 2 {
		t.Fatalf("ReadSamples: %v, %d rows", err, tab.Rows)
	}
	for _, c := range results.LatencyColumns {
		if !math.IsNaN(tab.Columns[c][0]) {
			t.Errorf("an empty %s cell reads as %g, want NaN", c, tab.Columns[c][0])
		}
	}
	if v := tab.Columns["connect_p99_ms"][1]; !within(v, 3) {
		t.Errorf("connect_p99_ms = %g, want 3", v)
	}
	if !math.IsNaN(tab.Columns["rtt_p99_ms"][1]) || tab.Columns["msgs_answered_per_sec"][1] != 500 {
		t.Errorf("row 2: rtt %g, answered %g", tab.Columns["rtt_p99_ms"][1], tab.Columns["msgs_answered_per_sec"][1])
	}

	// A file written before the columns existed.
	old, err := os.ReadFile(filepath.Join(testdata, "fin", results.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	tab, err = results.ReadSamples(bytes.NewReader(old))
	if err != nil || tab.Rows != 60 {
		t.Fatalf("ReadSamples of an old file: %v, %d rows", err, tab.Rows)
	}
	for _, c := range results.LatencyColumns {
		if _, ok := tab.Columns[c]; ok {
			t.Errorf("an old file has a %s column", c)
		}
	}
	if tab.Columns["cli_pss"] == nil {
		t.Error("an old file lost its last column")
	}
}

func strconvMs(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }

func TestPercentileAxis(t *testing.T) {
	for _, tt := range []struct {
		x    float64
		want string
	}{{1, "0%"}, {10, "90%"}, {100, "99%"}, {1000, "99.9%"}, {1e5, "99.999%"}} {
		if got := percentileLabel(tt.x); got != tt.want {
			t.Errorf("percentileLabel(%g) = %q, want %q", tt.x, got, tt.want)
		}
	}
	for _, tt := range []struct{ pct, top, want float64 }{{0, 1e4, 1}, {90, 1e4, 10}, {99, 1e4, 100}, {100, 1e4, 1e4}, {99.999, 1e4, 1e4}} {
		if got := percentileX(tt.pct, tt.top); math.Abs(got-tt.want) > 1e-6*tt.want {
			t.Errorf("percentileX(%g, %g) = %g, want %g", tt.pct, tt.top, got, tt.want)
		}
	}
	for _, tt := range []struct {
		n    uint64
		want float64
	}{{1, 100}, {1000, 1000}, {20000, 1e5}, {1e9, 1e6}} {
		if got := percentileTop(tt.n); got != tt.want {
			t.Errorf("percentileTop(%d) = %g, want %g", tt.n, got, tt.want)
		}
	}
	for _, tt := range []struct {
		sec  float64
		want string
	}{{0, "0"}, {812e-9, "812 ns"}, {0.000812, "812 µs"}, {0.0123, "12.3 ms"}, {1.02, "1.02 s"}, {75, "75.0 s"}} {
		if got := units.Seconds(tt.sec); got != tt.want {
			t.Errorf("units.Seconds(%g) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}

func TestNewLatency(t *testing.T) {
	if results.NewLatency(nil) != nil || results.NewLatency(&histogram.Histogram{}) != nil {
		t.Error("NewLatency of a nil or empty histogram is not nil")
	}
	tests := []struct {
		name                     string
		h                        *histogram.Histogram
		p50, p90, p99, p999, max float64
	}{
		{"steps", stepHist(), 0.002, 0.002, 0.02, 0.2, 2},
		{"ramp", rampHist(), 0.05, 0.09, 0.099, 0.0999, 0.1},
	}
	for _, tt := range tests {
		l := results.NewLatency(tt.h)
		if l.Count != tt.h.Count() {
			t.Errorf("%s: count %d, want %d", tt.name, l.Count, tt.h.Count())
		}
		for _, c := range []struct {
			what      string
			got, want float64
		}{{"p50", l.P50, tt.p50}, {"p90", l.P90, tt.p90}, {"p99", l.P99, tt.p99}, {"p99.9", l.P999, tt.p999}, {"max", l.Max, tt.max}} {
			if !within(c.got, c.want) {
				t.Errorf("%s: %s = %g s, want %g s", tt.name, c.what, c.got, c.want)
			}
		}
		tt.h.Record(time.Hour) // the results.Latency holds a copy
		if l.Histogram.Count() != l.Count {
			t.Errorf("%s: results.NewLatency kept the caller's histogram, not a copy", tt.name)
		}
	}
}

func TestLatencyRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rec := latencyRecord()
	if err := writeRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	data := resultstest.ReadFile(t, filepath.Join(dir, results.RunFile))
	for _, w := range []string{`"connect_latency": {`, `"p99_seconds": `, `"rtt": {`, `"traffic": {`, `"messages_per_second": 50`} {
		if !strings.Contains(data, w) {
			t.Errorf("run.json lacks %q", w)
		}
	}
	if n := strings.Count(data, "\n"); n > 200 {
		t.Errorf("run.json has %d lines: the histograms' buckets are not one line each", n)
	}
	got, err := results.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range []*results.Latency{got.Phases[0].Connect, got.Phases[1].RTT, got.Summary.Connect, got.Summary.RTT} {
		want := []*results.Latency{rec.Phases[0].Connect, rec.Phases[1].RTT, rec.Summary.Connect, rec.Summary.RTT}[i]
		if l == nil || l.Histogram == nil || *l.Histogram != *want.Histogram || l.P99 != want.P99 {
			t.Errorf("latency %d did not read back exactly", i)
		}
	}
	if got.Phases[0].RTT != nil || got.Phases[0].Traffic != nil {
		t.Error("a phase without round trips read back with some")
	}
}
