package testbed

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// shardCase is one shard's fake results: its record (the scenario part
// in ScenarioBody) and its samples.csv.
type shardCase struct {
	rec     *results.Record
	part    *scenarios.Scenario
	samples []byte
}

// fakeResults makes the results of shard i of n of smoke at 0.05 (2,000
// connections): started at start, it connects its part at 1 s, holds,
// and closes at 4 s; its connects took ms milliseconds each.
func fakeResults(t testing.TB, i, n int, start time.Time, host string, ms int) shardCase {
	t.Helper()
	sc, err := scenarios.Load("smoke")
	if err != nil {
		t.Fatal(err)
	}
	sh := scenarios.Shard{Index: i, Count: n}
	part, err := sc.Scaled(0.05).Sharded(sh)
	if err != nil {
		t.Fatal(err)
	}
	conns := int64(part.Client.Connections)
	var h histogram.Histogram
	h.RecordN(time.Duration(ms)*time.Millisecond, uint64(conns))
	lat := results.NewLatency(&h)
	rec := &results.Record{Version: results.RecordVersion, RunID: "shard" + string(rune('a'+i%26)), Scenario: "smoke", Source: "builtin:smoke",
		Scale: 0.05, Started: start, Ended: start.Add(5 * time.Second), ScenarioBody: part,
		Env:     results.Env{Hostname: host, CPUs: 2, MemTotal: 1 << 30},
		Extra:   map[string]string{ExtraMode: ModeClients, ExtraShard: sh.String(), ExtraTarget: "198.18.0.1:8000"},
		Phases:  []results.Phase{{Name: "connect-1", Kind: "connect", Started: start.Add(time.Second), Ended: start.Add(1500 * time.Millisecond), Seconds: 0.5, Outcome: "done", Target: int(conns), Reached: conns, Connect: lat}},
		Workers: []results.Worker{{Role: "client", Namespace: string(measure.Here), PID: 100 + i, Exit: "exit status 0"}},
		Summary: results.Summary{PeakEstablished: conns, Errors: map[string]int64{"ETIMEDOUT": int64(i)}, HostRestored: true,
			RampSeconds: 0.5, ConnectsPerSecond: float64(conns) / 0.5, KernelBytesPerConn: 10000, Connect: lat},
		Counters: map[string]int64{"ListenOverflows": 1},
		Roles: []results.RoleUsage{{Role: "client", Namespaces: 1, PeakProcesses: 2, ProcessesSeen: 2, PeakPSS: 1 << 20, CPUUserSeconds: 1.5,
			Processes: []results.ProcessUsage{{PID: 100 + i, Comm: "c1m-testbed"}, {PID: 200 + i, Comm: "c1m-testbed"}}}},
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(results.Header())
	for k := 0; k <= 10; k++ {
		s := results.Sample{Seconds: float64(k) * 0.5, Phase: "hold-2", Errors: map[string]int64{"ETIMEDOUT": int64(i)}, Slab: 1000, CliConnected: conns}
		if k >= 2 && k < 8 {
			s.CliEstablished = conns
		}
		w.Write(s.Row())
	}
	w.Flush()
	return shardCase{rec: rec, part: part, samples: b.Bytes()}
}

// write writes the case as a results directory.
func (c shardCase) write(t testing.TB, dir string) {
	t.Helper()
	c.rec.ScenarioBody = c.part
	out, err := results.CreateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := out.WriteRecord(c.rec); err != nil {
		t.Fatal(err)
	}
	if err := out.WriteFile(results.SamplesFile, c.samples); err != nil {
		t.Fatal(err)
	}
}

// line returns the case as a result line, as 'clients --json' prints it.
func (c shardCase) line(t testing.TB) []byte {
	t.Helper()
	c.rec.ScenarioBody = c.part
	run, err := json.Marshal(c.rec)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(resultLine{Marker: 1, Run: run, Samples: string(c.samples)})
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// fakeShard writes the results of fakeResults as a results directory.
func fakeShard(t testing.TB, dir string, i, n int, start time.Time, host string, ms int) {
	t.Helper()
	fakeResults(t, i, n, start, host, ms).write(t, dir)
}

func TestMergeShards(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	fakeShard(t, filepath.Join(dir, "s0"), 0, 2, start, "node-a", 10)
	// Shard 1 starts 0.25 s later on another host and prints its results
	// as a log line would carry them.
	fakeShard(t, filepath.Join(dir, "s1"), 1, 2, start.Add(250*time.Millisecond), "node-b", 30)
	var logBuf bytes.Buffer
	logBuf.WriteString("progress line\n2026-12-02T00:00:05Z ")
	if err := WriteResultLine(&logBuf, filepath.Join(dir, "s1")); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "s1.log")
	if err := os.WriteFile(logFile, logBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Merge(MergeOptions{Inputs: []string{logFile, filepath.Join(dir, "s0")}, OutDir: filepath.Join(dir, "m"), NoReport: true})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := results.ReadRecord(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	s := rec.Summary
	if s.PeakEstablished != 2000 {
		t.Errorf("merged peak %d, want 1000 + 1000 held together", s.PeakEstablished)
	}
	if s.Errors["ETIMEDOUT"] != 1 || rec.Counters["ListenOverflows"] != 2 {
		t.Errorf("errors %v, counters %v: not summed", s.Errors, rec.Counters)
	}
	if s.Connect == nil || s.Connect.Count != 2000 || s.Connect.P50 < 0.0099 || s.Connect.P50 > 0.0101 || s.Connect.Max < 0.0299 {
		t.Errorf("merged connect latency %+v, want 2000 connects, p50 10ms, max 30ms", s.Connect)
	}
	if s.KernelBytesPerConn != 10000 {
		t.Errorf("kernel bytes per conn %v, want 10000 (two hosts, each counted once)", s.KernelBytesPerConn)
	}
	if p := rec.Phases[0]; p.Target != 2000 || p.Reached != 2000 || !p.Started.Equal(start.Add(time.Second)) || p.Connect.Count != 2000 {
		t.Errorf("merged phase %+v", p)
	}
	// smoke expects no errors at all: shard 1's ETIMEDOUT fails the whole.
	if e := rec.Expectations; rec.Passed || len(e) < 2 || e[0].Name != "min-established" || e[0].Want != ">= 2000" || !e[0].Held ||
		e[1].Name != "errors-absent *" || e[1].Held {
		t.Errorf("expectations of the whole %+v (passed %v)", rec.Expectations, rec.Passed)
	}
	if r := rec.Roles; len(r) != 1 || r[0].Role != "client" || r[0].ProcessesSeen != 4 || r[0].CPUUserSeconds != 3 || r[0].PeakPSS != 2<<20 || len(r[0].Processes) != 4 {
		t.Errorf("merged roles %+v", r)
	}
	if rec.Env.Hostname != "node-a,node-b" || rec.Env.CPUs != 4 {
		t.Errorf("env %q %d CPUs", rec.Env.Hostname, rec.Env.CPUs)
	}
	data, err := os.ReadFile(filepath.Join(res.Dir, results.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := results.ReadSamples(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	est, slab := tab.Columns["cli_established"], tab.Columns["slab"]
	// Rows every 0.5 s from shard 0's start; shard 1 is 0.25 s behind, so
	// its row k lands in merged row k+1.
	if est[2] != 1000 || est[3] != 2000 || est[8] != 1000 || slab[3] != 2000 {
		t.Errorf("merged established %v, slab %v", est, slab)
	}
}

func TestMergeRefusals(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	fakeShard(t, filepath.Join(dir, "a0"), 0, 3, start, "h", 1)
	fakeShard(t, filepath.Join(dir, "b0"), 0, 2, start, "h", 1)
	os.WriteFile(filepath.Join(dir, "empty.log"), []byte("nothing here\n"), 0o644)
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"a0"}, "shards 1, 2 of 3 are missing"},
		{[]string{"a0", "a0"}, "twice"},
		{[]string{"a0", "b0"}, "of 3 shards"},
		{[]string{"empty.log"}, "no results"},
		{[]string{"nothing"}, "failed to read"},
	} {
		var in []string
		for _, p := range tc.in {
			in = append(in, filepath.Join(dir, p))
		}
		_, err := Merge(MergeOptions{Inputs: in, OutDir: filepath.Join(dir, "out")})
		if err == nil || !errors.Is(err, ErrMergeInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Merge(%v) = %v, want ErrMergeInput saying %q", tc.in, err, tc.want)
		}
	}
}
