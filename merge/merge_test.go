package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/merge/mergetest"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// line returns the case as a result line, as 'clients --json' prints it.
func line(t testing.TB, c mergetest.Case) []byte {
	t.Helper()
	c.Rec.ScenarioBody = c.Part
	run, err := json.Marshal(c.Rec)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(resultLine{Marker: 1, Run: run, Samples: string(c.Samples)})
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// fakeShard writes the results of fakeResults as a results directory.
func fakeShard(t testing.TB, dir string, i, n int, start time.Time, host string, ms int) {
	t.Helper()
	mergetest.Shard(t, i, n, start, host, ms).WriteDir(t, dir)
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
	m, err := Read([]string{logFile, filepath.Join(dir, "s0")})
	if err != nil {
		t.Fatal(err)
	}
	var samples bytes.Buffer
	if err := m.WriteSamples(&samples); err != nil {
		t.Fatal(err)
	}
	rec := m.Record
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
	if m := rec.Measurement; m == nil || m.SamplerCPUSeconds != 0.5 || m.MeterCPUSeconds != 1 || m.OrchestratorCPUSeconds != 2 {
		t.Errorf("measurement cost = %+v, want each shard's added up (0.5, 1, 2)", m)
	}
	if r := rec.Roles; len(r) != 1 || r[0].Role != "client" || r[0].ProcessesSeen != 4 || r[0].CPUUserSeconds != 3 || r[0].PeakPSS != 2<<20 || len(r[0].Processes) != 4 {
		t.Errorf("merged roles %+v", r)
	}
	if rec.Env.Hostname != "node-a,node-b" || rec.Env.CPUs != 4 {
		t.Errorf("env %q %d CPUs", rec.Env.Hostname, rec.Env.CPUs)
	}
	tab, err := results.ReadSamples(&samples)
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
		_, err := Read(in)
		if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%v) = %v, want ErrInput saying %q", tc.in, err, tc.want)
		}
	}
}
