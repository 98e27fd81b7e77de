package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// The end-to-end tests build the c1m-testbed binary once and run it as a
// user would.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// testBinary builds c1m-testbed into a world-readable temporary directory.
func testBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "c1m-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		os.Chmod(dir, 0o755)
		binPath = filepath.Join(dir, "c1m-testbed")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("failed to build c1m-testbed: %v", buildErr)
	}
	return binPath
}

func skipUnlessRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: this test builds network namespaces and needs root (run 'go test' as root)")
	}
}

// runBinary runs the binary and returns its exit status and output.
func runBinary(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(testBinary(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("failed to run c1m-testbed %v: %v", args, err)
	return 0, ""
}

// TestRunSmoke runs scenarios/smoke.toml end to end and checks run.json.
func TestRunSmoke(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	out := filepath.Join(t.TempDir(), "smoke")
	code, log := runBinary(t, "run", "smoke", "--out", out)
	t.Logf("c1m-testbed run smoke:\n%s", tail(log, 3000))
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	if code != exitOK {
		t.Errorf("exit status %d, want 0; failure: %s", code, rec.Failure)
	}
	for _, e := range rec.Expectations {
		if !e.Held {
			t.Errorf("expectation %s: want %s, got %s", e.Name, e.Want, e.Got)
		}
	}
	s := rec.Summary
	if s.PeakEstablished != 40000 {
		t.Errorf("peak_established = %d, want 40000", s.PeakEstablished)
	}
	if s.Messages != 40000 {
		t.Errorf("server counted %d messages, want one from each of 40000 connections", s.Messages)
	}
	if !s.HostRestored {
		t.Errorf("host_restored = false: %+v", rec.Host)
	}
	if s.Leftovers != 0 {
		t.Errorf("leftovers = %d: %v", s.Leftovers, s.LeftoverItems)
	}
	if _, err := os.Stat(filepath.Join(out, results.SamplesFile)); err != nil {
		t.Errorf("samples.csv missing: %v", err)
	}
	assertNoNamespaces(t, rec.RunID)
}

// TestRunMillionScaled runs million.toml at 2% as CI's stand-in for the full run.
func TestRunMillionScaled(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	out := filepath.Join(t.TempDir(), "million")
	code, log := runBinary(t, "run", "million", "--scale", "0.02", "--out", out)
	t.Logf("c1m-testbed run million --scale 0.02:\n%s", tail(log, 3000))
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	if code != exitOK {
		t.Errorf("exit status %d, want 0; failure: %s", code, rec.Failure)
	}
	if rec.Summary.PeakEstablished != 20000 || !rec.Summary.HostRestored || rec.Summary.Leftovers != 0 {
		t.Errorf("summary = %+v", rec.Summary)
	}
	assertNoNamespaces(t, rec.RunID)
}

// TestRunRefusedWhenNotRoot checks exit status 3 for an unprivileged user.
func TestRunRefusedWhenNotRoot(t *testing.T) {
	skipUnlessRoot(t) // needs root to switch to an unprivileged user
	cmd := exec.Command(testBinary(t), "run", "smoke", "--out", filepath.Join(os.TempDir(), "c1m-never-written"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitRefused {
		t.Fatalf("as nobody: err=%v, want exit status %d; output:\n%s", err, exitRefused, out)
	}
	if !strings.Contains(string(out), "root") {
		t.Errorf("refusal does not say root is needed: %s", out)
	}
}

// TestRunBadScenario checks exit status 2 for a scenario that does not exist.
func TestRunBadScenario(t *testing.T) {
	code, out := runBinary(t, "run", "no-such-scenario")
	if code != exitUsage {
		t.Fatalf("exit status %d, want %d; output:\n%s", code, exitUsage, out)
	}
}

func assertNoNamespaces(t *testing.T, runID string) {
	t.Helper()
	if runID == "" {
		return
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "c1m-"+runID+"-") {
			t.Errorf("namespace %s left behind", e.Name())
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// TestRunLeanNode runs smoke with the workers started from a c1m-node
// build (--node-exe): the same nodes code in a binary that links nothing
// else, for the smallest memory per connection.
func TestRunLeanNode(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	node := filepath.Join(filepath.Dir(testBinary(t)), "c1m-node")
	if out, err := exec.Command("go", "build", "-o", node, "../c1m-node").CombinedOutput(); err != nil {
		t.Fatalf("failed to build c1m-node: %v\n%s", err, out)
	}
	out := filepath.Join(t.TempDir(), "lean")
	code, log := runBinary(t, "run", "smoke", "--scale", "0.25", "--node-exe", node, "--out", out, "--no-report")
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatalf("no run.json: %v\n%s", err, tail(log, 2000))
	}
	if code != exitOK || rec.Summary.PeakEstablished != 10000 || rec.Summary.Messages != 10000 {
		t.Errorf("exit %d, peak %d, messages %d; want 0, 10000, 10000\n%s", code, rec.Summary.PeakEstablished, rec.Summary.Messages, tail(log, 2000))
	}
	assertNoNamespaces(t, rec.RunID)
}
