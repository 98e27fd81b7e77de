package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// cadenceScenario drives the ramp with 100 external clients, each with a
// CPU-bound shell loop forked beside it: 200 busy processes on the CPUs
// the orchestrator samples from.
const cadenceScenario = `
name = "cadence"
[topology]
client-namespaces = 4
client-addresses = 2
server-ports = 2

[client]
connections = "20k"
workers = 100
command = ["/bin/sh", "-c", "while :; do :; done & exec {bin}/goclient --sources {sources} --servers {addrs} --ports {ports} --connections {connections} --parallel 32"]

[[phase]]
kind = "connect"
timeout = "120s"

[[phase]]
kind = "hold"
duration = "3s"

[[phase]]
kind = "close"
side = "client"

[expect]
min-established = "20k"
`

// TestSampleCadenceUnderLoad: samples.csv keeps its cadence (no gap over
// twice the interval) through a ramp driven by 100 external programs with
// 100 busy loops beside them, and the client role counts all 200
// processes (the loops are forks the run never started).
func TestSampleCadenceUnderLoad(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	dir := testExamples(t)
	p := filepath.Join(t.TempDir(), "cadence.toml")
	if err := os.WriteFile(p, []byte(cadenceScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, log := runBinary(t, "run", p, "--out", out, "--no-report")
	t.Logf("run (programs in %s):\n%s", dir, tail(log, 2000))
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	checkPassed(t, rec, code)
	f, err := os.Open(filepath.Join(out, results.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 4 {
		t.Fatalf("samples.csv: %d rows, %v", len(rows), err)
	}
	var prev float64
	for i, row := range rows[1:] {
		at, err := strconv.ParseFloat(row[0], 64)
		if err != nil {
			t.Fatalf("row %d: seconds %q", i+1, row[0])
		}
		if gap := time.Duration((at - prev) * float64(time.Second)); i > 0 && gap > 2*results.SampleInterval {
			t.Errorf("samples.csv: a gap of %v before row %d (phase %s); the cadence is %v", gap, i+1, row[1], results.SampleInterval)
		}
		prev = at
	}
	cli := roleOf(t, rec, "client")
	if cli.PeakProcesses < 200 {
		t.Errorf("client role peak %d processes, want the 100 programs and the 100 loops they forked", cli.PeakProcesses)
	}
}
