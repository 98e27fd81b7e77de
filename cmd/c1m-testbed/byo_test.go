package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// The bring-your-own tests run the example programs of examples/, built
// next to the test binary (where the scenarios' {bin} points).

var examplesOnce sync.Once

// testExamples builds examples/goserver and examples/goclient next to the
// c1m-testbed test binary and returns that directory.
func testExamples(t *testing.T) string {
	t.Helper()
	dir := filepath.Dir(testBinary(t))
	var err error
	examplesOnce.Do(func() {
		var out []byte
		out, err = exec.Command("go", "build", "-o", dir+"/", "../../examples/goserver", "../../examples/goclient").CombinedOutput()
		if err != nil {
			err = &buildError{string(out)}
		}
	})
	if err != nil {
		t.Fatalf("failed to build the examples: %v", err)
	}
	return dir
}

type buildError struct{ out string }

func (e *buildError) Error() string { return e.out }

// writeScenario writes a scenario file into a temporary directory.
func writeScenario(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "byo.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunExternalServer runs examples/goserver (2 copies sharing the
// ports) under the built-in clients and checks the server side's count
// from the kernel (Tcp: CurrEstab of the server namespace).
func TestRunExternalServer(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	testExamples(t)
	rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), "byo"), "byo-server", "--scale", "0.1", "--no-report")
	checkPassed(t, rec, code)
	assertClean(t, rec)
	s := rec.Summary
	if s.PeakServerEstablished != 2000 || s.PeakEstablished != 2000 {
		t.Errorf("peak established: server %d (kernel), clients %d; want 2000 each", s.PeakServerEstablished, s.PeakEstablished)
	}
	for _, k := range []string{"server.0.command", "server.1.command", "server.0.peak_rss_bytes", "server.0.peak_fds", "server.0.cpu_seconds"} {
		if rec.Extra[k] == "" {
			t.Errorf("run.json extra lacks %s: %v", k, rec.Extra)
		}
	}
	if !strings.Contains(rec.Extra["server.0.output_tail"], "goserver: accepted") {
		t.Errorf("server 0's output was not kept: %q", rec.Extra["server.0.output_tail"])
	}
}

// TestRunExternalClient runs examples/goclient, built by the test, in
// both client namespaces against the built-in server.
func TestRunExternalClient(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	testExamples(t)
	sc := writeScenario(t, `name = "byo-client"
[topology]
client-namespaces = 2
client-addresses = 2
[client]
connections = 3000
command = ["{bin}/goclient", "--sources", "{sources}", "--servers", "{addrs}", "--ports", "{ports}", "--connections", "{connections}", "--message", "hi {worker}\n"]
[[phase]]
kind = "connect"
timeout = "60s"
[[phase]]
kind = "hold"
duration = "1s"
[[phase]]
kind = "close"
side = "client"
[expect]
min-established = 3000
no-node-killed = true
`)
	rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), "byo-client"), sc, "--no-report")
	checkPassed(t, rec, code)
	assertClean(t, rec)
	s := rec.Summary
	if s.PeakEstablished != 3000 || s.PeakServerEstablished != 3000 || s.Messages != 3000 {
		t.Errorf("clients %d (kernel), server %d, messages %d; want 3000 each", s.PeakEstablished, s.PeakServerEstablished, s.Messages)
	}
	if rec.Extra["client.0.exit"] == "" || rec.Extra["client.1.exit"] == "" {
		t.Errorf("client programs not recorded: %v", rec.Extra)
	}
}

// TestRunExternalProgramFails checks that a server program that is not
// there, ends at once, or never opens its ports gets an error naming it,
// and that the run tears down.
func TestRunExternalProgramFails(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	notExec := filepath.Join(filepath.Dir(testBinary(t)), "c1m-not-executable")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		command string
		code    int
		say     []string
	}{
		{"not found", `["/nonexistent/c1m-server"]`, exitRefused, []string{"/nonexistent/c1m-server", "cannot be run"}},
		{"not executable", `["{bin}/c1m-not-executable"]`, exitRefused, []string{"c1m-not-executable", "cannot be run"}},
		{"exits at once", `["/bin/sh", "-c", "echo boom >&2; exit 3"]`, exitFailed, []string{"/bin/sh", "exit status 3", "boom"}},
		{"never listens", `["/bin/sleep", "60"]`, exitFailed, []string{"/bin/sleep", "did not open port(s) [8000]"}},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "-"), func(t *testing.T) {
			sc := writeScenario(t, "[server]\ncommand = "+tc.command+"\n[client]\nconnections = 10\n[[phase]]\nkind = \"connect\"\n")
			out := filepath.Join(t.TempDir(), "fail")
			code, log := runBinary(t, "run", sc, "--out", out, "--no-report", "--ready-timeout", "2s")
			t.Logf("output:\n%s", tail(log, 2000))
			if code != tc.code {
				t.Errorf("exit status %d, want %d", code, tc.code)
			}
			said := log
			if rec, err := results.ReadRecord(out); err == nil {
				said += rec.Failure
				assertNoNamespaces(t, rec.RunID)
				if !rec.Summary.HostRestored || rec.Summary.Leftovers != 0 {
					t.Errorf("host restored %v, leftovers %v", rec.Summary.HostRestored, rec.Summary.LeftoverItems)
				}
				for _, w := range rec.Workers {
					if syscall.Kill(w.PID, 0) == nil && sameProcessName(w.PID, "sleep") {
						t.Errorf("process %d (%s) still runs", w.PID, w.Role)
					}
				}
			} else if tc.code != exitRefused {
				t.Errorf("no run.json: %v", err)
			}
			for _, s := range tc.say {
				if !strings.Contains(said, s) {
					t.Errorf("the error does not say %q", s)
				}
			}
		})
	}
}

func sameProcessName(pid int, name string) bool {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	return strings.TrimSpace(string(b)) == name
}
