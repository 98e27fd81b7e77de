package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// The sweep tests run smoke at 2% (200 to 400 connections), its hold cut
// to a second: each run takes a few seconds.

// readSweep reads dir's sweep.json, failing the test when it cannot.
func readSweep(t *testing.T, dir string) *results.Sweep {
	t.Helper()
	d, err := results.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, err := d.ReadSweep()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkSweepRuns checks that every run of s passed and left the host
// clean, and returns each run's record.
func checkSweepRuns(t *testing.T, dir string, s *results.Sweep) map[string]*results.Record {
	t.Helper()
	recs := map[string]*results.Record{}
	for _, r := range s.Runs {
		if r.Status != results.StatusPassed {
			t.Errorf("run %s: %s %s", r.Dir, r.Status, r.Error)
			continue
		}
		rec, err := results.ReadRecord(filepath.Join(dir, r.Dir))
		if err != nil {
			t.Errorf("run %s: %v", r.Dir, err)
			continue
		}
		assertClean(t, rec)
		recs[r.Dir] = rec
	}
	return recs
}

// TestSweepTwoParameters sweeps smoke over connections × client
// addresses, twice each, and checks the grid, the runs, sweep.csv and
// the charts.
func TestSweepTwoParameters(t *testing.T) {
	skipUnlessRoot(t)
	dir := filepath.Join(t.TempDir(), "sweep")
	code, out := runBinary(t, "sweep", "smoke", "--scale", "0.02", "--repeat", "2", "--out", dir,
		"--set", "client.connections=10k,20k", "--set", "topology.client-addresses=2,4", "--set", "phase.2.duration=1s")
	t.Logf("sweep:\n%s", tail(out, 4000))
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Sweep of smoke: 4 points × 2 repeats = 8 runs, interleaved", "The largest point, 3 (client.connections=20k, topology.client-addresses=2)",
		"=== run 8 of 8:", "Summary: median [min–max] of the repeats"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	s := readSweep(t, dir)
	recs := checkSweepRuns(t, dir, s)
	var order []string
	for _, r := range s.Runs {
		order = append(order, r.Dir)
	}
	if got := strings.Join(order, " "); got != "p1-r1 p2-r1 p3-r1 p4-r1 p1-r2 p2-r2 p3-r2 p4-r2" {
		t.Errorf("runs ran as %s, want every point's first repeat first", got)
	}
	for _, r := range s.Runs {
		rec := recs[r.Dir]
		if rec == nil {
			continue
		}
		want := map[string]int64{"10k": 200, "20k": 400}[s.Points[r.Point].Values[0]]
		if rec.Summary.PeakEstablished != want || r.Metrics["peak_established"] != float64(want) {
			t.Errorf("%s (%v): peak %d, metric %v; want %d", r.Dir, s.Points[r.Point].Values, rec.Summary.PeakEstablished, r.Metrics["peak_established"], want)
		}
		body, _ := rec.ScenarioBody.(map[string]any)
		sets, _ := json.Marshal(body["overrides"])
		wantSet := fmt.Sprintf(`{"key":"topology.client-addresses","value":"%s"}`, s.Points[r.Point].Values[1])
		if !strings.Contains(string(sets), wantSet) {
			t.Errorf("%s: run.json's scenario_body.overrides = %s, want %s among them", r.Dir, sets, wantSet)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "sweep.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) != 9 {
		t.Fatalf("sweep.csv: %d rows (want a header and 8), %v", len(rows), err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, k := range []string{"client.connections", "topology.client-addresses", "ramp_seconds", "connects_per_second", "kernel_bytes_per_conn", "peak_established"} {
		if _, ok := col[k]; !ok {
			t.Fatalf("sweep.csv has no column %s: %v", k, rows[0])
		}
	}
	for _, row := range rows[1:] {
		if row[col["status"]] != "passed" || row[col["ramp_seconds"]] == "" || row[col["kernel_bytes_per_conn"]] == "" {
			t.Errorf("sweep.csv row %v: want passed with a ramp and kernel memory", row)
		}
	}
	for _, m := range []string{"ramp_seconds", "connects_per_second", "kernel_bytes_per_conn"} {
		if fi, err := os.Stat(filepath.Join(dir, "charts", "sweep-"+m+".png")); err != nil || fi.Size() < 1000 {
			t.Errorf("chart of %s: %v", m, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "sweep.md"))
	if !strings.Contains(string(md), "[p1-r1](p1-r1/report.md)") || !strings.Contains(string(md), "**PASSED**") {
		t.Errorf("sweep.md does not link its runs or say it passed:\n%s", md)
	}
}

// TestSweepResume stops a sweep with one Ctrl-C (after the current run)
// and with two (during a run), resumes it each time, and checks that the
// finished runs are kept and the rest made.
func TestSweepResume(t *testing.T) {
	skipUnlessRoot(t)
	dir := filepath.Join(t.TempDir(), "sweep")
	args := []string{"sweep", "smoke", "--scale", "0.02", "--repeat", "2", "--out", dir, "--no-report",
		"--set", "client.connections=10k,20k", "--set", "phase.2.duration=2s"}

	// One Ctrl-C once the first run is done: the current run finishes.
	code, out := runInterrupted(t, args, 1, func() bool {
		s, err := tryReadSweep(dir)
		return err == nil && s.Runs[0].Done()
	})
	t.Logf("first sitting:\n%s", tail(out, 2000))
	if code != exitFailed || !strings.Contains(out, "stopping after this run") || !strings.Contains(out, "sweep --resume "+dir) {
		t.Fatalf("exit %d after one Ctrl-C; want 1 and the resume command", code)
	}
	s := readSweep(t, dir)
	if !strings.Contains(s.Stopped, "Ctrl-C") {
		t.Errorf("sweep.json stopped = %q", s.Stopped)
	}
	first := s.Runs[0]
	done := 0
	for _, r := range s.Runs {
		if r.Done() {
			done++
		}
	}
	if done < 1 || done == len(s.Runs) || !first.Done() {
		t.Fatalf("after one Ctrl-C %d of %d runs are done (first %s); want the first and not all", done, len(s.Runs), first.Status)
	}

	// Resume; two Ctrl-C during the next run: that run stops, torn down.
	next := s.Runs[done].Dir
	code, out = runInterrupted(t, []string{"sweep", "--resume", dir}, 2, func() bool {
		_, err := os.Stat(filepath.Join(dir, next, "samples.csv"))
		return err == nil
	})
	t.Logf("second sitting:\n%s", tail(out, 2000))
	if code != exitFailed || !strings.Contains(out, "Resuming "+dir) {
		t.Fatalf("exit %d after two Ctrl-C; want 1", code)
	}
	s = readSweep(t, dir)
	if s.Runs[0].Started != first.Started {
		t.Errorf("the first run was made again on resume")
	}
	var stopped *results.SweepRun
	for i, r := range s.Runs {
		if r.Dir == next {
			stopped = &s.Runs[i]
		}
	}
	if stopped == nil || stopped.Status == results.StatusFailed || stopped.Status == results.StatusPending {
		t.Errorf("the run stopped by two Ctrl-C is %+v", stopped)
	}
	if rec, err := results.ReadRecord(filepath.Join(dir, next)); err == nil {
		assertClean(t, rec)
	}

	// Resume again: every run made, the first ones kept.
	code, out = runBinary(t, "sweep", "--resume", dir)
	t.Logf("third sitting:\n%s", tail(out, 2000))
	if code != exitOK {
		t.Fatalf("exit %d on the last resume", code)
	}
	s = readSweep(t, dir)
	checkSweepRuns(t, dir, s)
	if s.Runs[0].Started != first.Started || s.Stopped != "" {
		t.Errorf("first run started %v (was %v); stopped %q", s.Runs[0].Started, first.Started, s.Stopped)
	}
	if code, out := runBinary(t, "sweep", "--resume", dir); code != exitOK || !strings.Contains(out, "0 to go") {
		t.Errorf("resuming a finished sweep: exit %d\n%s", code, tail(out, 1000))
	}
}

// tryReadSweep reads sweep.json if it is there yet.
func tryReadSweep(dir string) (*results.Sweep, error) {
	d, err := results.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadSweep()
}

// runInterrupted runs the binary, sends it n SIGINTs, 300 ms apart, once
// ready() holds, and returns its exit status and output.
func runInterrupted(t *testing.T, args []string, n int, ready func() bool) (int, string) {
	t.Helper()
	cmd := exec.Command(testBinary(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(3 * time.Minute)
	for !ready() {
		select {
		case err := <-exited:
			t.Fatalf("c1m-testbed %v ended before it could be interrupted (%v):\n%s", args, err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("c1m-testbed %v: not ready in 3 minutes:\n%s", args, out.String())
		}
	}
	for i := range n {
		if i > 0 {
			time.Sleep(300 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGINT)
	}
	select {
	case <-exited:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("c1m-testbed %v did not stop within 3 minutes of Ctrl-C:\n%s", args, out.String())
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// TestRunRepeat runs smoke three times with --set and checks the repeat
// directory and the summary with its spread.
func TestRunRepeat(t *testing.T) {
	skipUnlessRoot(t)
	dir := filepath.Join(t.TempDir(), "repeat")
	code, out := runBinary(t, "run", "smoke", "--scale", "0.02", "--repeat", "3", "--out", dir, "--no-report",
		"--set", "client.connections=20k", "--set", "phase.2.duration=1s")
	t.Logf("run --repeat:\n%s", tail(out, 3000))
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	s := readSweep(t, dir)
	if s.Kind != results.KindRepeat || len(s.Runs) != 3 || strings.Join(s.Set, " ") != "client.connections=20k phase.2.duration=1s" {
		t.Fatalf("sweep.json: kind %s, %d runs, set %v", s.Kind, len(s.Runs), s.Set)
	}
	for _, rec := range checkSweepRuns(t, dir, s) {
		if rec.Summary.PeakEstablished != 400 {
			t.Errorf("peak %d, want 400 (20k at 2%%)", rec.Summary.PeakEstablished)
		}
	}
	for _, want := range []string{"Repeat of smoke: 3 runs, one after another", "3 runs", "ramp", "] cv "} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
}

// TestSweepRefusesBeforeRunning needs no root: a wrong value, a misspelt
// key and an impossible point are refused before anything runs, and
// --dry-run prints the plan.
func TestSweepRefusesBeforeRunning(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sweep", "smoke", "--set", "client.connections=10k,lots", "--dry-run"}, exitUsage, "point 2 (client.connections=lots)"},
		{[]string{"sweep", "smoke", "--set", "client.conections=1,2", "--dry-run"}, exitUsage, "did you mean"},
		{[]string{"sweep", "port-exhaustion", "--set", "client.connections=30k,3M", "--dry-run"}, exitUsage, "point 2 (client.connections=3M)"},
		{[]string{"sweep", "smoke", "--set", "client.connections=10k", "--dry-run"}, exitUsage, "at least two values"},
		{[]string{"sweep", "smoke", "--set", "client.connections=10k,20k", "--repeat", "0", "--dry-run"}, exitUsage, "--repeat 0"},
		{[]string{"run", "smoke", "--set", "client.connections=many"}, exitUsage, "--set client.connections=many"},
		{[]string{"validate", "smoke", "--set", "client.connections=many"}, exitUsage, "--set client.connections=many"},
		{[]string{"sweep", "--resume", "/nonexistent", "--scale", "0.5"}, exitUsage, "give no scenario or --scale"},
		{[]string{"validate", "smoke", "--set", "client.connections=80k"}, exitOK, "ok  smoke"},
		{[]string{"plan", "smoke", "--set", "client.connections=80k"}, exitOK, "80,000 connections"},
		{[]string{"sweep", "smoke", "--set", "client.connections=10k,20k", "--set", "phase.2.duration=1s", "--dry-run"}, exitOK,
			"Sweep of smoke: 2 points × 3 repeats = 6 runs, interleaved"},
	} {
		code, out := runBinary(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("c1m-testbed %s: exit %d, want %d with %q:\n%s", strings.Join(tc.args, " "), code, tc.code, tc.want, tail(out, 1500))
		}
	}
	// A directory that holds a sweep is never overwritten.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "sweep.json"), []byte("{}"), 0o644)
	if code, out := runBinary(t, "sweep", "smoke", "--set", "client.connections=1k,2k", "--out", dir); code != exitUsage || !strings.Contains(out, "--resume "+dir) {
		t.Errorf("a sweep into a sweep's directory: exit %d\n%s", code, out)
	}
}
