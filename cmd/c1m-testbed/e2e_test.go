package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// TestRunSmoke runs scenarios/smoke.toml end to end and checks run.json.
func TestRunSmoke(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	out := filepath.Join(t.TempDir(), "smoke")
	rec, code, _ := runScenario(t, out, "smoke")
	checkPassed(t, rec, code)
	assertClean(t, rec)
	s := rec.Summary
	if s.PeakEstablished != 40000 {
		t.Errorf("peak_established = %d, want 40000", s.PeakEstablished)
	}
	if s.Messages != 40000 {
		t.Errorf("server counted %d messages, want one from each of 40000 connections", s.Messages)
	}
	if _, err := os.Stat(filepath.Join(out, results.SamplesFile)); err != nil {
		t.Errorf("samples.csv missing: %v", err)
	}
}

// TestRunMillionScaled runs million.toml at 2% as CI's stand-in for the full run.
// ipv6-million is the same run over IPv6.
func TestRunMillionScaled(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	for _, name := range []string{"million", "ipv6-million"} {
		t.Run(name, func(t *testing.T) {
			rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), name), name, "--scale", "0.02")
			checkPassed(t, rec, code)
			assertClean(t, rec)
			if rec.Summary.PeakEstablished != 20000 {
				t.Errorf("peak_established = %d, want 20000", rec.Summary.PeakEstablished)
			}
		})
	}
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
	rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), "lean"), "smoke", "--scale", "0.25", "--node-exe", node, "--no-report")
	checkPassed(t, rec, code)
	assertClean(t, rec)
	if rec.Summary.PeakEstablished != 10000 || rec.Summary.Messages != 10000 {
		t.Errorf("peak %d, messages %d; want 10000, 10000", rec.Summary.PeakEstablished, rec.Summary.Messages)
	}
}
