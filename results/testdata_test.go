package results

import (
	"bytes"
	"encoding/csv"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

var update = flag.Bool("update", false, "rewrite the synthetic results directories in testdata/")

// synthRun describes a small synthetic run: a connect ramp, a hold and a
// close storm, sampled every 500 ms.
type synthRun struct {
	dir      string
	runID    string
	target   int64
	rampSecs float64 // connect phase length
	holdSecs float64
	closeRST bool // RST close: no TIME_WAIT, faster
	rows     int
}

var synthRuns = []synthRun{
	{dir: "fin", runID: "20250101T120000Z", target: 40000, rampSecs: 10, holdSecs: 8, rows: 60},
	{dir: "rst", runID: "20250101T130000Z", target: 40000, rampSecs: 8, holdSecs: 8, closeRST: true, rows: 60},
}

// The fixtures in testdata/, each a results directory: fin and rst
// (synthRun), heartbeat and heartbeat-wan (synthLatencyRun), partial (fin
// cut short, as a killed run leaves it) and smoke-v2 (the recorded
// version 1 smoke run, smoke-recorded, as this version writes it).
// generateFixtures makes them all; smoke-recorded is a real run and is
// never generated.
var generated = []string{"fin", "rst", "heartbeat", "heartbeat-wan", "partial", "smoke-v2"}

// TestGenerateTestdata is the fixtures' one generator: with -update it
// rewrites them in testdata/ (go test -run TestGenerateTestdata -update
// ./results/). Without -update it touches nothing: the fixtures stay as
// committed, byte for byte (they were written by earlier versions, which
// readers must still read; TestFixturesLoad checks that they do).
func TestGenerateTestdata(t *testing.T) {
	if !*update {
		t.Skip("the fixtures in testdata/ are rewritten only with -update")
	}
	generateFixtures(t, testdata)
}

// generateFixtures writes every generated fixture under root.
func generateFixtures(t *testing.T, root string) {
	t.Helper()
	write := func(dir string, rec *Record, samples []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeRecordAt(filepath.Join(root, dir), rec); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, SamplesFile), samples, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range synthRuns {
		rec, samples := s.build()
		write(s.dir, rec, samples)
	}
	for _, s := range synthLatencyRuns {
		rec, samples := s.build()
		write(s.dir, rec, samples)
	}
	// smoke-v2: the recorded version 1 smoke run as this version writes it.
	rec, err := ReadRecord(filepath.Join(testdata, "smoke-recorded"))
	if err != nil {
		t.Fatal(err)
	}
	samples, err := os.ReadFile(filepath.Join(testdata, "smoke-recorded", SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	write("smoke-v2", rec, samples)
	// partial: a killed fin run, run.json and samples.csv both cut short.
	if err := os.MkdirAll(filepath.Join(root, "partial"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{RunFile, SamplesFile} {
		data, err := os.ReadFile(filepath.Join(root, "fin", name))
		if err != nil {
			t.Fatal(err)
		}
		cut := len(data) * 55 / 100
		if err := os.WriteFile(filepath.Join(root, "partial", name), data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFixturesLoad loads every fixture as a reader (report, compare)
// does: each whole one reads with no notice, its record and samples
// present; partial, cut short, says so.
func TestFixturesLoad(t *testing.T) {
	entries, err := os.ReadDir(testdata)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			run, err := Load(filepath.Join(testdata, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() == "partial" {
				if len(run.Notices) == 0 {
					t.Error("a run cut short reads without a notice")
				}
				return
			}
			if len(run.Notices) != 0 {
				t.Errorf("notices: %q", run.Notices)
			}
			if run.Record == nil || run.Samples == nil {
				t.Fatalf("record %v, samples %v: want both", run.Record != nil, run.Samples != nil)
			}
			if run.Record.RunID == "" || len(run.Record.Phases) == 0 || run.Samples.Rows == 0 {
				t.Errorf("run id %q, %d phases, %d sample rows: want a whole run", run.Record.RunID, len(run.Record.Phases), run.Samples.Rows)
			}
		})
	}
	if n != len(generated)+1 {
		t.Errorf("%d fixtures in testdata/, want the %d generated and smoke-recorded", n, len(generated))
	}
}

// build returns the run.json record and samples.csv of s.
func (s synthRun) build() (*Record, []byte) {
	start, _ := time.Parse("20060102T150405Z", s.runID)
	dt := 0.5
	end := float64(s.rows-1) * dt
	closeAt := s.rampSecs + s.holdSecs
	closeSecs := 5.0
	if s.closeRST {
		closeSecs = 2.5
	}
	at := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
	closeKind := "fin"
	if s.closeRST {
		closeKind = "rst"
	}
	rec := &Record{
		Version: RecordVersion, RunID: s.runID, Scenario: "smoke-" + closeKind, Source: "scenarios/smoke.toml",
		Description: "Synthetic test run: 40,000 connections, hold, close storm (" + closeKind + ").",
		Scale:       1, Started: start, Ended: at(end + dt),
		Env: Env{Kernel: "6.18.0-test", Hostname: "lab", CPUs: 2, CPUModel: "Test CPU @ 3.0GHz",
			MemTotal: 24 << 30, MemAvailable: 22 << 30, FDSoft: 20000, FDHard: 20000, GoVersion: "go1.26.8",
			SysctlsBefore: map[string]string{"net.ipv4.tcp_mem": "6000 8000 12000", "fs.file-max": "9223372036854775807",
				"net.ipv4.tcp_max_orphans": "65536", "net.ipv4.tcp_max_tw_buckets": "65536"},
			SysctlsAfter: map[string]string{"net.ipv4.tcp_mem": "6000 8000 12000", "fs.file-max": "9223372036854775807",
				"net.ipv4.tcp_max_orphans": "65536", "net.ipv4.tcp_max_tw_buckets": "65536"},
			NamespaceSysctls: map[string]string{"net.ipv4.ip_local_port_range": "1024 65535", "net.core.somaxconn": "65535"}},
		Plan: map[string]any{"connections": s.target, "client_namespaces": 2, "addresses_per_namespace": 4,
			"server_ports": 1, "five_tuples": 2 * 4 * 64512, "fd_budget": 19000, "workers": map[string]any{"client": 2, "server": 3},
			"memory_estimate_bytes": 41943040,
			"limits": []map[string]any{
				{"name": "five-tuples", "need": s.target, "have": 516096, "unit": "connections", "ok": true},
				{"name": "open files per process", "need": 13334, "have": 20000, "unit": "fds", "ok": true},
				{"name": "tcp_mem max", "need": 9000, "have": 12000, "unit": "pages", "ok": true, "fix": ""},
			}},
		Phases: []Phase{
			{Name: "connect", Kind: "connect", Started: at(0.5), Ended: at(0.5 + s.rampSecs), Seconds: s.rampSecs, Outcome: "done", Target: int(s.target), Reached: s.target},
			{Name: "hold", Kind: "hold", Started: at(0.5 + s.rampSecs), Ended: at(closeAt + 0.5), Seconds: s.holdSecs, Outcome: "done"},
			{Name: "close-" + closeKind, Kind: "close", Started: at(closeAt + 0.5), Ended: at(end + dt), Seconds: end + dt - closeAt - 0.5, Outcome: "done", Detail: "client closes 100% with " + closeKind},
		},
		Workers: []Worker{
			{Role: "server", Index: 0, Namespace: "c1m-t1-srv", PID: 1001, Exit: "stopped"},
			{Role: "client", Index: 0, Namespace: "c1m-t1-cli0", PID: 1002, Exit: "stopped"},
			{Role: "client", Index: 1, Namespace: "c1m-t1-cli1", PID: 1003, Exit: "stopped"},
		},
		Host: []HostSetting{{Key: "net.ipv4.tcp_max_orphans", Before: "65536", Set: "262144", After: "65536", Restored: true}},
	}
	var w bytes.Buffer
	cw := csv.NewWriter(&w)
	_ = cw.Write(Header())
	var prevEst, peakTW, peakOrph, peakMem, slab0, slabPeak, rssPeak int64
	errs := int64(0)
	for i := 0; i < s.rows; i++ {
		sec := float64(i) * dt
		smp := Sample{Seconds: sec, Errors: map[string]int64{}, Nstat: map[string]int64{}}
		var est int64
		switch {
		case sec < 0.5:
			smp.Phase = "setup"
		case sec < 0.5+s.rampSecs:
			smp.Phase = "connect"
			est = int64(float64(s.target) * (sec - 0.5) / s.rampSecs)
		case sec < closeAt+0.5:
			smp.Phase = "hold"
			est = s.target
		default:
			smp.Phase = "close-" + closeKind
			f := (sec - closeAt - 0.5) / closeSecs
			est = int64(float64(s.target) * math.Max(0, 1-f))
		}
		if i > 0 && sec >= 0.5+s.rampSecs && smp.Phase == "connect" {
			est = s.target
		}
		if sec >= 3 && sec < 0.5+s.rampSecs {
			errs += int64(i % 3) // a few EADDRNOTAVAIL during the ramp
		}
		smp.CliEstablished, smp.SrvEstablished = est, est-est/200
		smp.CliConnected = max(est, smp.CliConnected)
		closed := s.target - est
		if smp.Phase != "close-"+closeKind {
			closed = 0
		}
		smp.CliClosed, smp.SrvClosed = closed, closed
		if est > prevEst {
			smp.ConnectsPerSec = float64(est-prevEst) / dt
			smp.CliConnecting = (est - prevEst) / 10
		} else if est < prevEst {
			smp.ClosesPerSec = float64(prevEst-est) / dt
		}
		prevEst = est
		smp.Errors["EADDRNOTAVAIL"] = errs
		if smp.Phase == "close-"+closeKind {
			f := (sec - closeAt - 0.5)
			if !s.closeRST {
				smp.CliTW = min(closed, int64(float64(s.target)*f/closeSecs))
				smp.SrvOrphan = int64(3000 * math.Exp(-math.Pow(f-1.5, 2)))
				smp.CliOrphan = int64(800 * math.Exp(-math.Pow(f-1, 2)))
			} else {
				smp.Nstat["TCPAbortOnClose"] = closed
			}
		}
		smp.CliRSS = 12<<20 + est*96
		smp.SrvRSS = 8<<20 + est*64
		smp.TCPMemPages = 40 + est/50 + smp.SrvOrphan/4
		smp.Slab = 180<<20 + est*2300 + smp.CliTW*300
		smp.SUnreclaim = 60<<20 + est*1900
		smp.MemAvailable = 22<<30 - est*4600
		smp.FileNr = 3000 + 2*est
		smp.SrvInuse, smp.CliInuse = smp.SrvEstablished, est
		smp.SrvAlloc, smp.CliAlloc = smp.SrvInuse, est+smp.CliTW
		if slab0 == 0 {
			slab0 = smp.Slab
		}
		peakTW, peakOrph = max(peakTW, smp.CliTW+smp.SrvTW), max(peakOrph, smp.SrvOrphan+smp.CliOrphan)
		peakMem, slabPeak, rssPeak = max(peakMem, smp.TCPMemPages), max(slabPeak, smp.Slab), max(rssPeak, smp.CliRSS+smp.SrvRSS)
		_ = cw.Write(smp.Row())
	}
	cw.Flush()
	rec.Summary = Summary{PeakEstablished: s.target, PeakServerEstablished: s.target - s.target/200,
		RampSeconds: s.rampSecs, ConnectsPerSecond: float64(s.target) / s.rampSecs, CloseSeconds: closeSecs,
		Errors: map[string]int64{"EADDRNOTAVAIL": errs}, UserBytesPerConn: float64(rssPeak) / float64(s.target),
		KernelBytesPerConn: float64(slabPeak-slab0) / float64(s.target), PeakTCPMemPages: peakMem,
		PeakOrphans: peakOrph, PeakTimeWait: peakTW, HostRestored: true}
	rec.Expectations = []Expectation{
		{Name: "peak_established", Want: ">= 40000", Got: "40000", Held: true},
		{Name: "errors.EMFILE", Want: "== 0", Got: "0", Held: true},
		{Name: "close_seconds", Want: "<= 4", Got: strconvG(closeSecs), Held: closeSecs <= 4},
	}
	rec.Passed = closeSecs <= 4
	return rec, w.Bytes()
}

func strconvG(v float64) string { return units.Count(v) }

// testdata holds the synthetic and recorded results directories.
const testdata = "testdata"
