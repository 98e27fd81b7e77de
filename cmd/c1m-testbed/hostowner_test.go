package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/testbed"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// lockScenario writes a small scenario: 200 connections from one
// namespace, held for hold, with host (a TOML [host] body) if not empty.
func lockScenario(t *testing.T, name, hold, host string) string {
	t.Helper()
	body := fmt.Sprintf(`name = %q
[topology]
client-namespaces = 1
[client]
connections = 200
[[phase]]
kind = "connect"
[[phase]]
kind = "hold"
duration = %q
[[phase]]
kind = "close"
side = "client"
[expect]
min-established = 200
`, name, hold)
	if host != "" {
		body += "[host]\n" + host + "\n"
	}
	p := filepath.Join(t.TempDir(), name+".toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// startBinary starts the binary in the background; wait returns its exit
// status and output.
func startBinary(t *testing.T, args ...string) (wait func() (int, string)) {
	t.Helper()
	cmd := exec.Command(testBinary(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("failed to start c1m-testbed %v: %v", args, err)
	}
	done := false
	t.Cleanup(func() {
		if !done {
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
		}
	})
	return func() (int, string) {
		err := cmd.Wait()
		done = true
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), out.String()
			}
			t.Fatalf("c1m-testbed %v: %v", args, err)
		}
		return 0, out.String()
	}
}

// waitHolder waits until a run of scenario holds the host lock, and
// returns its run id.
func waitHolder(t *testing.T, scenario string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(topology.RunDir, "*", "host-holder.json"))
		for _, f := range files {
			var h lab.Holder
			if data, err := os.ReadFile(f); err == nil && json.Unmarshal(data, &h) == nil && h.Scenario == scenario {
				return h.RunID
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no run of %s took the host lock within a minute", scenario)
	return ""
}

func readSysctl(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(key, ".", "/"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestHostOwnedByOneRun runs two scenarios that change the same host
// setting at once. The second is refused with exit 3 naming the first
// when it may not wait, and waits for the first when it may; each
// journals the host's own value as "before" (not the other's lab value),
// and the host ends exactly as found.
func TestHostOwnedByOneRun(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Exclusive(t)
	const key = "net.ipv4.tcp_max_orphans"
	orig := readSysctl(t, key)
	n, err := strconv.ParseInt(orig, 10, 64)
	if err != nil {
		t.Fatalf("%s = %q", key, orig)
	}
	t.Cleanup(func() {
		if got := readSysctl(t, key); got != orig {
			t.Errorf("%s is %s after both runs, was %s", key, got, orig)
			os.WriteFile("/proc/sys/net/ipv4/tcp_max_orphans", []byte(orig), 0)
		}
	})
	a := lockScenario(t, "lock-a", "8s", fmt.Sprintf("%q = %d", key, n+1))
	b := lockScenario(t, "lock-b", "1s", fmt.Sprintf("%q = %d", key, n+2))
	outA, outB1, outB2 := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b1"), filepath.Join(t.TempDir(), "b2")

	waitA := startBinary(t, "run", a, "--out", outA, "--no-report")
	idA := waitHolder(t, "lock-a")

	code, log := runBinary(t, "run", b, "--out", outB1, "--no-report", "--wait", "0")
	if code != exitRefused || !strings.Contains(log, "held by run "+idA) || !strings.Contains(log, "lock-a") {
		t.Errorf("second host-changing run with --wait 0: exit %d, want %d naming run %s (lock-a):\n%s", code, exitRefused, idA, log)
	}
	if _, err := os.Stat(outB1); err == nil {
		t.Errorf("the refused run left its results directory %s", outB1)
	}

	waitB2 := startBinary(t, "run", b, "--out", outB2, "--no-report", "--wait", "2m")
	codeA, logA := waitA()
	codeB2, logB2 := waitB2()
	if codeA != exitOK {
		t.Errorf("first run: exit %d:\n%s", codeA, tail(logA, 2000))
	}
	if codeB2 != exitOK || !strings.Contains(logB2, "waiting up to") || !strings.Contains(logB2, "held by run "+idA) {
		t.Errorf("second run with --wait 2m: exit %d, want 0 after waiting for run %s:\n%s", codeB2, idA, tail(logB2, 2000))
	}
	for _, c := range []struct {
		dir, set string
	}{{outA, strconv.FormatInt(n+1, 10)}, {outB2, strconv.FormatInt(n+2, 10)}} {
		rec, err := results.ReadRecord(c.dir)
		if err != nil {
			t.Error(err)
			continue
		}
		if len(rec.Host) != 1 || rec.Host[0].Before != orig || rec.Host[0].Set != c.set || !rec.Host[0].Restored {
			t.Errorf("%s: host settings %+v, want %s from %s to %s and back", rec.Scenario, rec.Host, key, orig, c.set)
		}
		if rec.SharedHost {
			t.Errorf("%s: shared_host with %v, but it owned the host alone", rec.Scenario, rec.SharedWith)
		}
		assertNoNamespaces(t, rec.RunID)
	}
}

// TestHostSharedByRunsThatChangeNothing runs two scenarios without [host]
// at once: neither waits, and each run.json says it shared the host with
// the other.
func TestHostSharedByRunsThatChangeNothing(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	s1 := lockScenario(t, "share-1", "5s", "")
	s2 := lockScenario(t, "share-2", "1s", "")
	out1, out2 := filepath.Join(t.TempDir(), "s1"), filepath.Join(t.TempDir(), "s2")
	wait1 := startBinary(t, "run", s1, "--out", out1, "--no-report")
	id1 := waitHolder(t, "share-1")
	code2, log2 := runBinary(t, "run", s2, "--out", out2, "--no-report", "--wait", "0")
	code1, log1 := wait1()
	if code1 != exitOK || code2 != exitOK {
		t.Fatalf("exit %d and %d, want 0 and 0:\n%s\n%s", code1, code2, tail(log1, 1500), tail(log2, 1500))
	}
	r1, err1 := results.ReadRecord(out1)
	r2, err2 := results.ReadRecord(out2)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !r2.SharedHost || !slices.Contains(r2.SharedWith, id1) {
		t.Errorf("share-2: shared_host %v with %v, want it shared with %s", r2.SharedHost, r2.SharedWith, id1)
	}
	if !r1.SharedHost || !slices.Contains(r1.SharedWith, r2.RunID) {
		t.Errorf("share-1: shared_host %v with %v, want it shared with %s (which came and went meanwhile)", r1.SharedHost, r1.SharedWith, r2.RunID)
	}
}

// TestHostRelativeValue runs a scenario that sets fs.file-max "+20k":
// the value written is what the host had allocated then plus 20,000, the
// privileged actions in run.json say so, and the old value is restored.
func TestHostRelativeValue(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Exclusive(t)
	orig := readSysctl(t, "fs.file-max")
	sc := lockScenario(t, "relative", "1s", `"fs.file-max" = "+20k"`)
	out := filepath.Join(t.TempDir(), "rel")
	code, log := runBinary(t, "run", sc, "--out", out, "--no-report")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, tail(log, 2000))
	}
	if got := readSysctl(t, "fs.file-max"); got != orig {
		t.Errorf("fs.file-max is %s after the run, was %s", got, orig)
	}
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Host) != 1 || rec.Host[0].Before != orig || !rec.Host[0].Restored {
		t.Fatalf("host settings %+v, want fs.file-max from %s and back", rec.Host, orig)
	}
	set, err := strconv.ParseInt(rec.Host[0].Set, 10, 64)
	if err != nil || set < 20000 || set > 20000+1<<22 {
		t.Errorf("fs.file-max was set to %q, want the files allocated plus 20,000", rec.Host[0].Set)
	}
	var found bool
	for _, a := range rec.Actions {
		if a.Kind == testbed.ActionHostSysctl && a.What == "fs.file-max" {
			found = a.Old == orig && a.New == rec.Host[0].Set
		}
	}
	if !found {
		t.Errorf("run.json's privileged actions %+v lack fs.file-max %s -> %s", rec.Actions, orig, rec.Host[0].Set)
	}
	if !strings.Contains(log, "What root will do") || !strings.Contains(log, "fs.file-max: "+orig+" -> ") {
		t.Errorf("the run did not say what root will do before doing it:\n%s", tail(log, 2000))
	}
}
