package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// TestRunDaemonizingServer runs a [server] command that forks a child
// into a session of its own (as a daemon does: setsid, away from the
// process group the testbed signals) and then execs a real listener. After
// the run the child is gone, run.json says teardown ended it, and nothing
// of the run is left: no namespace, no run record.
func TestRunDaemonizingServer(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	bin := testExamples(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "daemon.pid")
	script := filepath.Join(dir, "server.sh")
	body := fmt.Sprintf(`#!/bin/sh
# A daemon: a child that leaves our session and process group.
setsid sh -c 'echo $$ > %s; exec sleep 600' </dev/null >/dev/null 2>&1 &
exec %s/goserver --listen "$1" --ports "$2"
`, pidFile, bin)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	sc := writeScenario(t, fmt.Sprintf(`name = "daemonize"
[server]
command = ["/bin/sh", %q, "{addrs}", "{ports}"]
[client]
connections = 100
[[phase]]
kind = "connect"
[[phase]]
kind = "hold"
duration = "1s"
[expect]
min-established = 100
`, script))
	out := filepath.Join(dir, "out")
	code, log := runBinary(t, "run", sc, "--out", out, "--no-report")
	t.Logf("run:\n%s", tail(log, 2500))
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the server never daemonized its child: %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	t.Cleanup(func() {
		if topology.ProcessAlive(pid, 0) {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill() // the child this test started, by its pid
			}
		}
	})
	deadline := time.Now().Add(2 * time.Second) // init reaps it
	for topology.ProcessAlive(pid, 0) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if topology.ProcessAlive(pid, 0) {
		t.Errorf("the daemonized child %d outlived the run", pid)
	}
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Summary.Leftovers != 0 {
		t.Errorf("leftovers %v", rec.Summary.LeftoverItems)
	}
	if !strings.Contains(strings.Join(rec.Notes, "\n"), "teardown ended 1 process") {
		t.Errorf("run.json does not say teardown ended the daemon: notes %q", rec.Notes)
	}
	assertNoNamespaces(t, rec.RunID)
	if _, err := os.Stat(filepath.Join(topology.RunDir, rec.RunID)); err == nil {
		t.Errorf("run record %s left behind", rec.RunID)
	}
}
