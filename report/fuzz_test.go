package report

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// The fuzz targets read results as report and compare do, and check each
// input's cost: the time it takes and the bytes it allocates, against a
// multiple of its size (and, for run.json, of recordCost's estimate, which
// bounds are checked against). A plain `go test` runs their seed corpus;
// `go test -fuzz FuzzX -fuzztime 20s ./report/` explores.

// fuzzTime is the most one input may take.
const fuzzTime = 5 * time.Second

func seed(f *testing.F, name, file string) []byte {
	f.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, name, file))
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// checkCost fails when an input took longer than fuzzTime or allocated
// more than budget bytes.
func checkCost(t *testing.T, what string, took time.Duration, alloc, budget uint64) {
	t.Helper()
	if took > fuzzTime {
		t.Errorf("%s took %v, more than %v", what, took, fuzzTime)
	}
	if alloc > budget {
		t.Errorf("%s allocated %d bytes, more than its budget of %d", what, alloc, budget)
	}
}

// checkTicks computes the axis ticks of every chart (drawing is left
// out: it is gonum's) and fails on a tick list beyond bounds.
func checkTicks(t *testing.T, cs []chart) {
	t.Helper()
	for _, c := range cs {
		if len(c.marks) > maxMarks || len(c.series) > maxChartSeries {
			t.Errorf("chart %s: %d marks, %d series", c.name, len(c.marks), len(c.series))
		}
		xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, s := range c.series {
			if len(s.ys) < len(s.xs) {
				t.Fatalf("chart %s series %s: %d x, %d y", c.name, s.name, len(s.xs), len(s.ys))
			}
			for i, x := range s.xs {
				if y := s.ys[i]; !math.IsNaN(x) && !math.IsNaN(y) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
					xlo, xhi, ylo, yhi = min(xlo, x), max(xhi, x), min(ylo, y), max(yhi, y)
				}
			}
		}
		for _, r := range [][2]float64{{xlo, xhi}, {ylo, yhi}, {ylo, yhi * 1.2}, {c.xmin, c.xmax}} {
			if n := len(siTicks{}.Ticks(r[0], r[1])); n > maxTicks {
				t.Errorf("chart %s: %d ticks for %v", c.name, n, r)
			}
			if n := len(durTicks{}.Ticks(r[0]/1.5, r[1]*4)); n > 9*maxDecades {
				t.Errorf("chart %s: %d duration ticks for %v", c.name, n, r)
			}
		}
	}
}

// loadRecordBudget is what parsing and rendering run.json may allocate:
// a multiple of recordCost's estimate.
func loadRecordBudget(data []byte) uint64 {
	cost, _ := results.RecordCost(data)
	return 8*uint64(max(cost, 0)) + 16*uint64(len(data)) + 4<<20
}

func FuzzLoadRecord(f *testing.F) {
	for _, name := range []string{"fin", "heartbeat", "partial", "smoke-v2"} {
		f.Add(seed(f, name, results.RunFile))
	}
	f.Add([]byte(`{"phases":[{"name":"a\u001b[2J","kind":"close"},{"name":"b"}],"plan":{"x":[{"a":1},{"b":2}]}}`))
	f.Add([]byte(`{"summary":{"connect_latency":{"count":1,"histogram":{"unit":"ns","sig":3,"layout":"x"}}}}`))
	f.Add([]byte(`{"version":1,"plan":{"Limits":[{"Name":"x","Need":1}]},"scenario_body":{"Server":{"Env":{"A":"b"}}}}`))
	f.Add([]byte(`{"environment":{"sysctls_before":{"net.ipv4.tcp_mem":"1 2 1e400"}},"workers":[{"killed":true}]}`))
	f.Add([]byte(`{"phases":[[[[[[[[[[[[`))
	f.Add(planSeed(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, cerr := results.RecordCost(data)
		var err error
		start := time.Now()
		alloc := resultstest.Allocated(func() {
			var rr *results.Run
			rr, err = results.Parse(data, nil)
			if err == nil {
				r := &run{Run: rr}
				runTables(r)
				checkTicks(t, runLatencyCharts(r))
			}
		})
		checkCost(t, "run.json", time.Since(start), alloc, loadRecordBudget(data))
		if (cerr != nil) != (err != nil) {
			t.Errorf("recordCost says %v, parseRecord %v", cerr, err)
		}
	})
}

func FuzzReadSamples(f *testing.F) {
	for _, name := range []string{"fin", "heartbeat", "partial"} {
		f.Add(seed(f, name, results.SamplesFile))
	}
	f.Add([]byte("seconds,phase,cli_established\n1e17,a,1\n1e17,b,2\n100000000000000016,c,3\n"))
	f.Add([]byte("seconds,phase,connect_p99_ms,tcp_mem_pages\n0,\"a\nb\",1e-320,1e308\n1,\"x,\"\"y\",,-1e308\n2"))
	f.Add([]byte("seconds,seconds\n1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tab *results.Table
		var err error
		start := time.Now()
		alloc := resultstest.Allocated(func() {
			tab, err = results.ReadSamples(bytes.NewReader(data))
			if err == nil {
				checkTicks(t, runCharts(&run{Run: &results.Run{Dir: "fuzz", Samples: tab}}))
			}
		})
		checkCost(t, "samples.csv", time.Since(start), alloc, 64*uint64(len(data))+2<<20)
		if err == nil && (tab.Rows > results.MaxSampleRows || len(tab.Header) > results.MaxSampleColumns) {
			t.Errorf("%d rows, %d columns read", tab.Rows, len(tab.Header))
		}
	})
}

func FuzzCompare(f *testing.F) {
	f.Add(seed(f, "fin", results.RunFile), seed(f, "fin", results.SamplesFile), seed(f, "rst", results.RunFile), seed(f, "rst", results.SamplesFile))
	f.Add(seed(f, "heartbeat", results.RunFile), seed(f, "heartbeat", results.SamplesFile), seed(f, "partial", results.RunFile), []byte("seconds\n1e17\n"))
	f.Add([]byte(`{"expectations":[{"name":"a"},{"name":"a"}],"summary":{"errors":{"E1":1}}}`), []byte("seconds,phase\n0,close\n"),
		[]byte(`{"expectations":[{"name":"b"}],"summary":{"errors":{"E2":1}},"phases":[{"name":"close","kind":"hold"}]}`), []byte("seconds,srv_tw\n0,1\n1,2\n"))
	f.Fuzz(func(t *testing.T, rec1, samples1, rec2, samples2 []byte) {
		start := time.Now()
		alloc := resultstest.Allocated(func() {
			var runs []*run
			for i, in := range [][2][]byte{{rec1, samples1}, {rec2, samples2}} {
				r, err := results.Parse(in[0], in[1])
				if err != nil {
					return
				}
				r.Dir = []string{"a", "b"}[i]
				runs = append(runs, &run{Run: r})
			}
			labels := runLabels(runs)
			summaryCompare(runs, labels)
			expectCompare(runs, labels)
			settingsCompare(runs, labels)
			runsTable(runs, labels)
			checkTicks(t, compareCharts(runs, labels))
		})
		budget := loadRecordBudget(rec1) + loadRecordBudget(rec2) + 64*uint64(len(samples1)+len(samples2))
		checkCost(t, "compare", time.Since(start), alloc, budget)
	})
}

// planSeed is a run.json with today's plan, which the report renders as
// `c1m-testbed plan` does, with a hostile scenario name and reason.
func planSeed(f *testing.F) []byte {
	s, err := scenarios.Load("port-exhaustion")
	if err != nil {
		f.Fatal(err)
	}
	p, _ := plan.New(s, plan.DefaultEnv())
	p.Scenario, p.First.Why = "a\u001b[2J", "<b>why</b>\u202e"
	data, err := json.Marshal(map[string]any{"version": results.RecordVersion, "plan": p, "scenario_body": s})
	if err != nil {
		f.Fatal(err)
	}
	return data
}
