package merge

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/merge/mergetest"
	"github.com/c1m-testbed/c1m-testbed/results"
)

var mergeStart = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// twoShards returns the fake results of shards 0 and 1 of 2, started together.
func twoShards(t testing.TB) (a, b mergetest.Case) {
	return mergetest.Shard(t, 0, 2, mergeStart, "node-a", 10), mergetest.Shard(t, 1, 2, mergeStart, "node-b", 30)
}

// writeLog writes the cases' result lines into one log file, as
// 'kubectl logs -l job-name=…' collects them.
func writeLog(t testing.TB, dir string, cases ...mergetest.Case) string {
	t.Helper()
	var b bytes.Buffer
	for _, c := range cases {
		b.WriteString("progress line\n")
		b.Write(line(t, c))
	}
	p := filepath.Join(dir, "shards.log")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// editSamples rewrites cells of c's samples: edit gets each data row's
// cells and the header's index.
func editSamples(t testing.TB, c *mergetest.Case, edit func(row int, cells []string, col map[string]int)) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(c.Samples)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for j, h := range rows[0] {
		col[h] = j
	}
	for k, r := range rows[1:] {
		edit(k, r, col)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	c.Samples = b.Bytes()
}

// mergeWithin merges a log of cases within lim, their samples written
// nowhere, and fails the test when it takes more than a few seconds (the
// findings made merge run without end). It returns the merged record.
func mergeWithin(t *testing.T, lim limits, cases ...mergetest.Case) (*results.Record, error) {
	t.Helper()
	dir := t.TempDir()
	log := writeLog(t, dir, cases...)
	type result struct {
		rec *results.Record
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := read([]string{log}, lim)
		if err != nil {
			done <- result{nil, err}
			return
		}
		done <- result{m.Record, m.WriteSamples(io.Discard)}
	}()
	select {
	case r := <-done:
		return r.rec, r.err
	case <-time.After(20 * time.Second):
		t.Fatalf("merge did not finish in 20 s")
	}
	return nil, nil
}

func TestMergeRefusesHostileShards(t *testing.T) {
	last := func(v string) func(int, []string, map[string]int) {
		return func(k int, cells []string, col map[string]int) {
			if k == 10 {
				cells[col["seconds"]] = v
			}
		}
	}
	cell := func(name, v string) func(int, []string, map[string]int) {
		return func(k int, cells []string, col map[string]int) {
			if k == 3 {
				cells[col[name]] = v
			}
		}
	}
	for _, tc := range []struct {
		name    string
		samples func(int, []string, map[string]int)
		rec     func(*results.Record)
		want    string
	}{
		// results.ReadSamples leaves out a row whose seconds no run
		// reaches (NaN, ±Inf, beyond 1e7): merged without it, in time.
		{name: "seconds Inf", samples: last("+Inf")},
		{name: "seconds NaN", samples: last("NaN")},
		{name: "seconds 1e7", samples: last("1e7"), want: "column seconds, is 1e+07, outside 0 to 360000"},
		{name: "seconds beyond 100 h", samples: last("360001"), want: "column seconds, is 360001, outside 0 to 360000"},
		{name: "seconds negative", samples: cell("seconds", "-1"), want: "outside 0 to"},
		{name: "seconds going back", samples: cell("seconds", "0.1"), want: "before the row above"},
		{name: "count NaN", samples: cell("cli_established", "NaN"), want: "column cli_established, is NaN, not a number"},
		{name: "count Inf", samples: cell("cli_established", "1e400"), want: "not a number"},
		{name: "count negative", samples: cell("cli_established", "-5"), want: "is -5, below 0"},
		{name: "count far beyond 2^53", samples: cell("slab", "1e300"), want: "column slab, is NaN, not a number"},
		{name: "count beyond 2^53", samples: cell("slab", "1e18"), want: "column slab, is 1e+18, beyond 2^53"},
		{name: "started years apart", rec: func(r *results.Record) { r.Started = r.Started.Add(3 * 365 * 24 * time.Hour) }, want: "h after the first shard started"},
		{name: "no start time", rec: func(r *results.Record) { r.Started = time.Time{} }, want: "no start time"},
		{name: "negative errors", rec: func(r *results.Record) { r.Summary.Errors["ETIMEDOUT"] = -1 }, want: "summary errors ETIMEDOUT is -1, but counts run from 0 to 2^53"},
		{name: "negative counter", rec: func(r *results.Record) { r.Counters["ListenOverflows"] = -9 }, want: "counts run from 0"},
		{name: "peak beyond 2^53", rec: func(r *results.Record) { r.Summary.PeakEstablished = 1 << 60 }, want: "peak_established is 1152921504606846976"},
		{name: "negative reached", rec: func(r *results.Record) { r.Phases[0].Reached = -1 }, want: "phase 1 reached is -1"},
		{name: "negative role memory", rec: func(r *results.Record) { r.Roles[0].PeakPSS = -1 }, want: "role client peak_pss_bytes"},
		{name: "measurement cost negative", rec: func(r *results.Record) {
			r.Measurement = &results.MeasurementCost{MeterCPUSeconds: -1}
		}, want: "measurement_cost meter_cpu_seconds"},
		{name: "ramp beyond the span", rec: func(r *results.Record) { r.Summary.RampSeconds = 1e12 }, want: "ramp_seconds is 1e+12"},
		{name: "protocol counts negative", rec: func(r *results.Record) { r.Summary.Protocol = &results.Protocol{Name: "http", Pongs: -1} }, want: "protocol pongs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := twoShards(t)
			if tc.samples != nil {
				editSamples(t, &b, tc.samples)
			}
			if tc.rec != nil {
				tc.rec(b.Rec)
			}
			_, err := mergeWithin(t, defaultLimits, a, b)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("merge = %v, want the row left out", err)
			case tc.want != "" && (!errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("merge = %v, want ErrInput saying %q", err, tc.want)
			}
		})
	}
}

func TestMergeRefusesWrappingHistograms(t *testing.T) {
	a, b := twoShards(t)
	for i, c := range []mergetest.Case{a, b} {
		var h histogram.Histogram
		h.RecordN(0, 1<<63+uint64(i)) // together 2^64 + 1: would read as 1
		c.Rec.Summary.Connect = results.NewLatency(&h)
	}
	_, err := mergeWithin(t, defaultLimits, a, b)
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "more than 2^64 recordings") {
		t.Errorf("merge = %v, want a refusal of 2^64 + 1 connects", err)
	}
}

func TestMergeTotalsSaturate(t *testing.T) {
	a, b := twoShards(t)
	for _, c := range []*mergetest.Case{&a, &b} {
		c.Rec.Counters["ListenOverflows"] = maxCount
		c.Rec.Summary.Errors["EMFILE"] = maxCount
		c.Rec.Summary.Messages = maxCount
		c.Rec.Roles[0].PeakRSS = maxCount
		c.Rec.Phases[0].Reached = maxCount
		editSamples(t, c, func(_ int, cells []string, col map[string]int) {
			cells[col["srv_tw"]] = strconv.FormatInt(maxCount, 10)
		})
	}
	rec, err := mergeWithin(t, defaultLimits, a, b)
	if err != nil {
		t.Fatal(err)
	}
	s := rec.Summary
	for what, v := range map[string]int64{"counter": rec.Counters["ListenOverflows"], "errors": s.Errors["EMFILE"], "messages": s.Messages,
		"role rss": rec.Roles[0].PeakRSS, "phase reached": rec.Phases[0].Reached, "peak time-wait": s.PeakTimeWait} {
		if v != maxCount {
			t.Errorf("merged %s = %d, want it saturated at 2^53 (%d)", what, v, int64(maxCount))
		}
	}
}

func TestSaturatingArithmetic(t *testing.T) {
	for _, tc := range []struct {
		a, b, want int64
	}{
		{1, 2, 3},
		{maxCount, 1, maxCount},
		{math.MaxInt64, math.MaxInt64, maxCount},
		{-5, 3, 3},
		{math.MinInt64, math.MinInt64, 0},
	} {
		if got := satAdd(tc.a, tc.b); got != tc.want {
			t.Errorf("satAdd(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    float64
		want int64
	}{
		{12.7, 12}, {math.Inf(1), maxCount}, {math.Inf(-1), 0}, {math.NaN(), 0}, {-3, 0}, {1e30, maxCount},
	} {
		if got := satInt(tc.v); got != tc.want {
			t.Errorf("satInt(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

// TestMergeLongRunIsLinear merges two shards of 5 h each: the peak was
// computed by copying a whole column per row (36,000² copies per
// column), so a run of hours never finished.
func TestMergeLongRunIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("merges 10 h of samples")
	}
	a, b := twoShards(t)
	const rows = 36_000
	for i, c := range []*mergetest.Case{&a, &b} {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(results.Header())
		for k := 0; k < rows; k++ {
			s := results.Sample{Seconds: float64(k) * 0.5, Phase: "hold-2", CliEstablished: int64(k % 1000)}
			if k == rows/2 {
				s.CliEstablished = int64(5000 + i) // both peaks at one instant
			}
			w.Write(s.Row())
		}
		w.Flush()
		c.Samples = buf.Bytes()
	}
	start := time.Now()
	rec, err := mergeWithin(t, defaultLimits, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("merging 2 × %d rows took %v", rows, d)
	}
	if rec.Summary.PeakEstablished != 10001 {
		t.Errorf("peak %d, want 10001", rec.Summary.PeakEstablished)
	}
}

func TestMergeRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := twoShards(t)
	log := writeLog(t, dir, a, b)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.log")
	if err := os.Symlink(log, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.log")
	if err := os.Link(log, hard); err != nil {
		t.Fatal(err)
	}
	fakeShard(t, filepath.Join(dir, "s0"), 0, 2, mergeStart, "h", 1)
	dirLink := filepath.Join(dir, "s0-link")
	if err := os.Symlink(filepath.Join(dir, "s0"), dirLink); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in, want string
	}{
		{fifo, "is not a regular file (a named pipe)"},
		{"/dev/zero", "is not a regular file (a character device)"},
		{link, "is a symbolic link"},
		{dirLink, "is a symbolic link"},
		{hard, "has 2 hard links"},
		{log, "has 2 hard links"}, // either name of the pair
	} {
		done := make(chan error, 1)
		go func() {
			_, err := read([]string{tc.in}, defaultLimits)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("merge %s = %v, want ErrInput saying %q", tc.in, err, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("merge %s blocked", tc.in)
		}
	}
}

func TestMergeLimits(t *testing.T) {
	small := func(edit func(*limits)) func(*limits, *mergetest.Case) {
		return func(l *limits, _ *mergetest.Case) { edit(l) }
	}
	threePhases := func(a, b *mergetest.Case) {
		for _, c := range []*mergetest.Case{a, b} {
			p := c.Rec.Phases[0]
			c.Rec.Phases = append(c.Rec.Phases, p, p)
		}
	}
	for _, tc := range []struct {
		name  string
		lim   func(l *limits, first *mergetest.Case)
		setup func(a, b *mergetest.Case)
		want  string
	}{
		{name: "line", lim: small(func(l *limits) { l.line = 2000 }), want: "line 2 is longer than 0 MiB"},
		{name: "log file", lim: small(func(l *limits) { l.logFile = 1000 }), want: "more than a fleet's log"},
		{name: "shards", lim: small(func(l *limits) { l.shards = 1 }), want: "more than 1 shards"},
		{name: "rows", lim: small(func(l *limits) { l.shardRows = 5 }), want: "more than 5 rows"},
		{name: "columns", lim: small(func(l *limits) { l.columns = 10 }), want: "columns, more than samples.csv has (at most 10)"},
		{name: "cells", lim: small(func(l *limits) { l.cells = 1000 }), want: "more than 1000 cells"},
		{name: "steps", lim: small(func(l *limits) { l.steps = 15 }), want: "more than 15 intervals"},
		{name: "span", lim: small(func(l *limits) { l.span = 3 }), want: "outside 0 to 3"},
		{name: "phases", lim: small(func(l *limits) { l.phases = 2 }), setup: threePhases, want: "3 phases, more than merge takes (2)"},
		{name: "histograms", lim: small(func(l *limits) { l.phases = 0 }), setup: threePhases, want: "4 latency histograms"},
		{name: "record values", lim: small(func(l *limits) { l.recValues = 100 }), want: "more than a shard's record has (at most 100)"},
		{name: "values together", lim: func(l *limits, first *mergetest.Case) {
			first.Rec.ScenarioBody = first.Part
			run, err := json.Marshal(first.Rec)
			if err != nil {
				t.Fatal(err)
			}
			l.values = countJSON(run).values * 3 / 2
		}, want: "JSON values together"},
		{name: "record bytes", lim: small(func(l *limits) { l.recBytes = 1000 }), want: "run records take more than 0 MiB"},
		{name: "counter names", lim: small(func(l *limits) { l.keys = 1 }), setup: func(a, b *mergetest.Case) { b.Rec.Counters["Other"] = 1 }, want: "counters has 2 names"},
		{name: "names together", lim: small(func(l *limits) { l.keys = 1 }), setup: func(a, b *mergetest.Case) { b.Rec.Counters = map[string]int64{"Other": 1} }, want: "more than 1 names together"},
		{name: "phase labels", lim: small(func(l *limits) { l.labels = 0 }), want: "name more than 0 phases"},
		{name: "label length", lim: small(func(l *limits) { l.labelLen = 3 }), want: "6 bytes long (at most 3)"},
		{name: "part counts", setup: func(a, b *mergetest.Case) { b.Part.Client.Connections = -1 }, want: "client.connections is -1"},
		{name: "part counts that would wrap", setup: func(a, b *mergetest.Case) { b.Part.Expect.MinEstablished = maxPartCount + 1 }, want: "expect.min-established is 90071992548, outside 0 to 90071992547"},
		{name: "duplicate column", setup: func(a, b *mergetest.Case) {
			b.Samples = append([]byte("slab,"), b.Samples...)
			b.Samples = bytes.ReplaceAll(b.Samples, []byte("\n"), []byte("\n0,"))
			b.Samples = b.Samples[:len(b.Samples)-2]
		}, want: `column "slab" twice`},
		{name: "not a shard", setup: func(a, b *mergetest.Case) { b.Rec.Extra[results.ExtraShard] = "x\x1b" }, want: "is not a shard of clients in place"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := twoShards(t)
			if tc.setup != nil {
				tc.setup(&a, &b)
			}
			lim := defaultLimits
			if tc.lim != nil {
				tc.lim(&lim, &a)
			}
			_, err := mergeWithin(t, lim, a, b)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("merge = %v, want ErrInput saying %q", err, tc.want)
			}
		})
	}
	// And the real limits take the two shards.
	a, b := twoShards(t)
	if _, err := mergeWithin(t, defaultLimits, a, b); err != nil {
		t.Errorf("merge within the default limits: %v", err)
	}
}

func TestMissingShardsListed(t *testing.T) {
	c := mergetest.Shard(t, 0, 20, mergeStart, "h", 1)
	_, err := mergeWithin(t, defaultLimits, c)
	if err == nil || !strings.Contains(err.Error(), "shards 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, … (19 in all) of 20 are missing") {
		t.Errorf("merge = %v, want the missing shards listed briefly", err)
	}
}

func TestCountJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want jsonCount
	}{
		{`{}`, jsonCount{values: 2}},
		{`{"a":1,"b":[1,2,3]}`, jsonCount{values: 2 + 1 + 1 + 1 + 2 + 2}},
		{`{"a":"{[,:]}"}`, jsonCount{values: 3}},
		{`{"a":"\"{"}`, jsonCount{values: 3}},
		{`{"histogram":{"count":1,"counts":[[1,2]]}}`, jsonCount{values: 3, inHistograms: 2 + 1 + 1 + 1 + 2 + 2 + 1, histograms: 1}},
		{`{"HISTOGRAM":{}}`, jsonCount{values: 3, inHistograms: 2, histograms: 1}},
		{`{"hi\u0073togram":{}}`, jsonCount{values: 3, inHistograms: 2, histograms: 1}},
		{"{\"hi\u017ftogram\":{}}", jsonCount{values: 3, inHistograms: 2, histograms: 1}},
		{`{"histogram":null,"x":{}}`, jsonCount{values: 2 + 1 + 1 + 1 + 2, histograms: 1}},
		{`{"histogram" : [ [1,2] ] }`, jsonCount{values: 3, inHistograms: 2 + 2 + 1, histograms: 1}},
		{`{"histograms":{}}`, jsonCount{values: 5}},
		{`["histogram",{}]`, jsonCount{values: 5}},
		{`{"a":{"histogram":{}},"b":{"c":1}}`, jsonCount{values: 2 + 1 + 2 + 1 + 1 + 1 + 2 + 1, inHistograms: 2, histograms: 1}},
		{`"unterminated`, jsonCount{}},
		{`{"histogram":`, jsonCount{values: 3}},
	} {
		if got := countJSON([]byte(tc.in)); got != tc.want {
			t.Errorf("countJSON(%s) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestCSVShape(t *testing.T) {
	for _, tc := range []struct {
		in                   string
		header, rows, widest int
	}{
		{"", 1, 0, 1},
		{"a,b,c\n", 3, 0, 3},
		{"a,b,c\n1,2,3\n4,5,6\n", 3, 2, 3},
		{"a,b\n1,2,3,4,5\n", 2, 1, 5},
		{"a,\"b,\nc\"\n1,2\n", 2, 1, 2},
		{"a,b\n1,2", 2, 0, 2}, // a last line without its newline is cut: not read
	} {
		h, r, w := csvShape(tc.in)
		if h != tc.header || r != tc.rows || w != tc.widest {
			t.Errorf("csvShape(%q) = %d, %d, %d; want %d, %d, %d", tc.in, h, r, w, tc.header, tc.rows, tc.widest)
		}
	}
}

// TestMergeTakesNegativeKernelBytes: a shard whose Slab shrank over its
// run writes a negative kernel_bytes_per_conn (c1m-testbed does, on a
// shared host): merge takes it, and refuses only what no run writes.
func TestMergeTakesNegativeKernelBytes(t *testing.T) {
	rec := &results.Record{Started: time.Now()}
	rec.Summary.KernelBytesPerConn = -75051.008
	if err := checkRecord("shard0", rec, defaultLimits); err != nil {
		t.Errorf("negative kernel bytes per connection refused: %v", err)
	}
	rec.Summary.KernelBytesPerConn = math.Inf(-1)
	if err := checkRecord("shard0", rec, defaultLimits); err == nil {
		t.Error("-Inf kernel bytes per connection accepted")
	}
}
