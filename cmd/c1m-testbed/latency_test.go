package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// latencyColumns are the samples.csv columns of issue 14.
var latencyColumns = []string{"connect_p99_ms", "rtt_p99_ms", "msgs_asked_per_sec", "msgs_answered_per_sec"}

// TestRunHeartbeat runs heartbeat.toml at 0.2% (2,000 connections, each
// sending 64 bytes every 30 s, echoed) as CI's stand-in for the million:
// it passes, and run.json and samples.csv carry the latency and traffic
// results.
func TestRunHeartbeat(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	out := filepath.Join(t.TempDir(), "heartbeat")
	rec, code, _ := runScenario(t, out, "heartbeat", "--scale", "0.002", "--no-report")
	checkPassed(t, rec, code)
	assertClean(t, rec)
	s := rec.Summary
	if s.PeakEstablished != 2000 {
		t.Errorf("peak %d, want 2000", s.PeakEstablished)
	}
	if s.Connect == nil || s.Connect.Count < 2000 || s.Connect.Histogram == nil {
		t.Errorf("summary.connect_latency = %+v, want 2000 connects with their histogram", s.Connect)
	}
	if s.RTT == nil || s.RTT.Count == 0 || s.RTT.P50 <= 0 || s.RTT.P99 < s.RTT.P50 {
		t.Errorf("summary.rtt = %+v, want round trips", s.RTT)
	}
	traffic := 0
	for _, ph := range rec.Phases {
		switch ph.Kind {
		case scenarios.PhaseConnect:
			if ph.Connect == nil || ph.Connect.Count == 0 {
				t.Errorf("connect phase %s has no connect_latency", ph.Name)
			}
		case scenarios.PhaseTraffic:
			traffic++
			tr := ph.Traffic
			if ph.RTT == nil || tr == nil {
				t.Errorf("traffic phase %s: rtt %+v, traffic %+v", ph.Name, ph.RTT, tr)
				continue
			}
			if tr.MessagesAsked == 0 || tr.MessagesAnswered != tr.MessagesSent || tr.MessagesAnswered < tr.MessagesAsked*9/10 {
				t.Errorf("traffic phase %s: asked %d, sent %d, answered %d: want every message sent answered, 90%% of those asked at least",
					ph.Name, tr.MessagesAsked, tr.MessagesSent, tr.MessagesAnswered)
			}
			if tr.MessagesPerSecond <= 0 || tr.BytesSent == 0 || tr.BytesReceived != tr.BytesSent {
				t.Errorf("traffic phase %s: %.0f msgs/s, %d bytes sent, %d received", ph.Name, tr.MessagesPerSecond, tr.BytesSent, tr.BytesReceived)
			}
			if int64(ph.RTT.Count) != tr.MessagesAnswered {
				t.Errorf("traffic phase %s: %d round trips recorded for %d answers", ph.Name, ph.RTT.Count, tr.MessagesAnswered)
			}
		}
	}
	if traffic == 0 {
		t.Error("heartbeat ran no traffic phase")
	}
	checkLatencyColumns(t, out)
}

// checkLatencyColumns: samples.csv has the latency columns, and some row
// of each holds a figure.
func checkLatencyColumns(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, results.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("samples.csv: %d rows, %v", len(rows), err)
	}
	for _, col := range latencyColumns {
		i := slices.Index(rows[0], col)
		if i < 0 {
			t.Errorf("samples.csv has no column %s: %v", col, rows[0])
			continue
		}
		filled := 0
		for _, r := range rows[1:] {
			if r[i] != "" {
				filled++
			}
		}
		if filled == 0 {
			t.Errorf("samples.csv column %s is empty in all %d rows", col, len(rows)-1)
		}
	}
}

// wanFloor is a small scenario over links delayed by 20 ms each way:
// every connect and every round trip crosses the delay twice.
const wanFloor = `name = "link-delay-floor"
description = "200 connections over links delayed 20 ms each way, then 3 s of echoed heartbeats"

[topology]
client-namespaces = 2
client-addresses = 1
link-delay = "20ms"

[server]
on-data = "echo"

[client]
connections = 200

[[phase]]
kind = "connect"

[[phase]]
kind = "traffic"
duration = "3s"
interval = "500ms"
bytes = 64

[[phase]]
kind = "close"
side = "client"
`

// TestRunLinkDelayFloor: with link-delay = "20ms" the delay shows in the
// histograms as a floor (never as a ceiling): connect p50 >= 20 ms, RTT
// p50 >= 40 ms, and the run checks its own "link-delay floor".
func TestRunLinkDelayFloor(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	if err := topology.CheckNetem(); err != nil {
		t.Skipf("skipping: links cannot be shaped here: %v", err)
	}
	file := filepath.Join(t.TempDir(), "link-delay-floor.toml")
	if err := os.WriteFile(file, []byte(wanFloor), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), "floor"), file, "--no-report")
	checkPassed(t, rec, code)
	assertClean(t, rec)
	floors := 0
	for _, e := range rec.Expectations {
		if len(e.Name) > 16 && e.Name[:16] == "link-delay floor" {
			floors++
		}
	}
	if floors != 2 {
		t.Errorf("%d link-delay floor expectations, want 2 (connect and rtt): %+v", floors, rec.Expectations)
	}
	const delay = 20 * time.Millisecond
	if c := rec.Summary.Connect; c == nil || c.P50 < delay.Seconds() {
		t.Errorf("connect latency %+v: want p50 >= %v", c, delay)
	}
	if r := rec.Summary.RTT; r == nil || r.P50 < (2*delay).Seconds() {
		t.Errorf("rtt %+v: want p50 >= %v", r, 2*delay)
	}
}

// TestRunShapedRefusedWithoutNetem: on a kernel without netem a scenario
// that shapes its links is refused (exit 3) before anything is built,
// with the fix, and leaves no results directory.
func TestRunShapedRefusedWithoutNetem(t *testing.T) {
	skipUnlessRoot(t)
	if topology.CheckNetem() == nil {
		t.Skip("skipping: this kernel has netem (TestRunLinkDelayFloor runs the shaped links)")
	}
	out := filepath.Join(t.TempDir(), "wan")
	code, log := runBinary(t, "run", "wan", "--scale", "0.01", "--out", out)
	if code != exitRefused || !strings.Contains(log, "modprobe sch_netem") {
		t.Errorf("exit status %d (want %d), output:\n%s", code, exitRefused, log)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused run left its results directory %s", out)
	}
}

// TestRunWebSocket: the built-in websocket scenario at 0.2% (2,000
// connections) passes: every connection upgraded (handshakes timed),
// every ping of the heartbeat answered and timed, nothing left.
func TestRunWebSocket(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), "websocket"), "websocket", "--scale", "0.002", "--no-report")
	checkPassed(t, rec, code)
	assertClean(t, rec)
	s := rec.Summary
	if s.Handshake == nil || s.Handshake.Count != 2000 {
		t.Errorf("summary.handshake = %+v, want 2000 handshakes", s.Handshake)
	}
	if p := s.Protocol; p == nil || p.Name != "websocket" || p.Handshakes != 2000 || p.PeakReady != 2000 {
		t.Errorf("summary.protocol = %+v, want websocket, 2000 handshakes, 2000 ready at the peak", p)
	}
	if s.RTT == nil || s.RTT.Count != 4000 {
		t.Errorf("summary.rtt = %+v, want the heartbeat's 4000 round trips (2 pings per connection)", s.RTT)
	}
}

// TestRunProtocolExamples: each protocol against the built-in server
// (examples/protocols) at 5%: every request answered and timed.
func TestRunProtocolExamples(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	files, err := filepath.Glob("../../examples/protocols/*.toml")
	if err != nil || len(files) < 6 {
		t.Fatalf("examples/protocols/*.toml: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), "run"), f, "--scale", "0.05", "--no-report")
			checkPassed(t, rec, code)
			assertClean(t, rec)
			for _, ph := range rec.Phases {
				if tr := ph.Traffic; tr != nil && (tr.MessagesAnswered != tr.MessagesAsked || ph.RTT == nil || ph.RTT.Count != uint64(tr.MessagesAnswered)) {
					t.Errorf("%s: %+v, rtt %+v: want every request answered and timed", ph.Name, tr, ph.RTT)
				}
			}
		})
	}
}
