// Package mergetest makes the fake results of a run's shards for the
// tests of merge and of what calls it.
package mergetest

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// Case is one shard's fake results: its record (the scenario part goes
// in ScenarioBody when written) and its samples.csv.
type Case struct {
	Rec     *results.Record
	Part    *scenarios.Scenario
	Samples []byte
}

// Shard makes the results of shard i of n of smoke at 0.05 (2,000
// connections): started at start on host, it connects its part at 1 s,
// holds, and closes at 4 s; its connects took ms milliseconds each.
func Shard(t testing.TB, i, n int, start time.Time, host string, ms int) Case {
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
		Extra:   map[string]string{results.ExtraMode: results.ModeClients, results.ExtraShard: sh.String(), results.ExtraTarget: "198.18.0.1:8000"},
		Phases:  []results.Phase{{Name: "connect-1", Kind: "connect", Started: start.Add(time.Second), Ended: start.Add(1500 * time.Millisecond), Seconds: 0.5, Outcome: "done", Target: int(conns), Reached: conns, Connect: lat}},
		Workers: []results.Worker{{Role: "client", Namespace: "", PID: 100 + i, Exit: "exit status 0"}}, // "": the orchestrator's own namespace
		Summary: results.Summary{PeakEstablished: conns, Errors: map[string]int64{"ETIMEDOUT": int64(i)}, HostRestored: true,
			RampSeconds: 0.5, ConnectsPerSecond: float64(conns) / 0.5, KernelBytesPerConn: 10000, Connect: lat},
		Counters: map[string]int64{"ListenOverflows": 1},
		Roles: []results.RoleUsage{{Role: "client", Namespaces: 1, PeakProcesses: 2, ProcessesSeen: 2, PeakPSS: 1 << 20, CPUUserSeconds: 1.5,
			Processes: []results.ProcessUsage{{PID: 100 + i, Comm: "c1m-testbed"}, {PID: 200 + i, Comm: "c1m-testbed"}}}},
		Measurement: &results.MeasurementCost{SamplerCPUSeconds: 0.25, MeterCPUSeconds: 0.5, OrchestratorCPUSeconds: 1},
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
	return Case{Rec: rec, Part: part, Samples: b.Bytes()}
}

// WriteDir writes the case as a results directory.
func (c Case) WriteDir(t testing.TB, dir string) {
	t.Helper()
	c.Rec.ScenarioBody = c.Part
	out, err := results.CreateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := out.WriteRecord(c.Rec); err != nil {
		t.Fatal(err)
	}
	if err := out.WriteFile(results.SamplesFile, c.Samples); err != nil {
		t.Fatal(err)
	}
}
