package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// TestClientsShardsMerge is issue 15's end to end: a lab of smoke at
// 0.05 (2,000 connections) is brought up with its server only; two
// shards of the same scenario run at once from inside its client
// namespaces, each with 'clients' against the lab's server, starting
// together (--start-at); the second prints its results as a JSON line,
// as in a pod. merge combines the directory and the log: the merged peak
// is the sum of the shards' peaks and the scenario's target.
//
//	c1 [clients --shard 0/2] ─┐
//	                           ├─> srv 198.18.0.1:8000 (the lab's server)
//	c2 [clients --shard 1/2] ─┘
func TestClientsShardsMerge(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	bin := testBinary(t)
	code, out := runBinary(t, "up", "smoke", "--scale", "0.05")
	t.Logf("up:\n%s", out)
	m := regexp.MustCompile(`lab ([a-z0-9]{6}) starting`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("up did not name its lab (exit status %d)", code)
	}
	id := m[1]
	t.Cleanup(func() {
		if _, err := os.Stat(topology.RunDir + "/" + id); err == nil {
			runBinary(t, "down", id)
		}
		assertNoNamespaces(t, id)
	})
	if code != exitOK {
		t.Fatalf("up: exit status %d", code)
	}
	srv := regexp.MustCompile(`srv\s+c1m-` + id + `-srv\s+(\S+)\s+ports (\S+)`).FindStringSubmatch(out)
	if srv == nil {
		t.Fatalf("up did not show the server's address and ports")
	}
	target := srv[1] + ":" + srv[2]

	// Shard 0 runs as nobody without capabilities where setpriv exists, as
	// in an unprivileged pod: it may not enter a namespace.
	dir, err := os.MkdirTemp("", "c1m-clients-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	start := time.Now().Add(4 * time.Second).UTC().Format(time.RFC3339Nano)
	shard := func(node, s string, unprivileged bool, extra ...string) *exec.Cmd {
		args := []string{"exec", "--run", id, node, "--"}
		if sp, err := exec.LookPath("setpriv"); err == nil && unprivileged {
			args = append(args, sp, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all")
		}
		args = append(append(args, bin, "clients", "smoke", "--scale", "0.05",
			"--target", target, "--shard", s, "--start-at", start, "--no-report"), extra...)
		return exec.Command(bin, args...)
	}
	c0 := shard("c1", "0/2", true, "--out", filepath.Join(dir, "shard0"))
	c1 := shard("c2", "1/2", false, "--out", filepath.Join(dir, "shard1"), "--json")
	var out0, out1, err1 bytes.Buffer
	c0.Stdout, c0.Stderr = &out0, &out0
	c1.Stdout, c1.Stderr = &out1, &err1
	if err := c0.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c1.Start(); err != nil {
		t.Fatal(err)
	}
	e0, e1 := c0.Wait(), c1.Wait()
	t.Logf("shard 0:\n%s", out0.String())
	t.Logf("shard 1 (stderr):\n%s", err1.String())
	if e0 != nil || e1 != nil {
		t.Fatalf("shards: %v, %v", e0, e1)
	}
	if !strings.Contains(out0.String(), "target: "+target) {
		t.Errorf("shard 0 did not print its target before connecting")
	}
	log := filepath.Join(dir, "shard1.log")
	if err := os.WriteFile(log, append([]byte("some other output\n"), out1.Bytes()...), 0o644); err != nil {
		t.Fatal(err)
	}

	merged := filepath.Join(t.TempDir(), "merged")
	code, mout := runBinary(t, "merge", filepath.Join(dir, "shard0"), log, "--out", merged)
	t.Logf("merge:\n%s", mout)
	if code != exitOK {
		t.Fatalf("merge: exit status %d", code)
	}
	rec, err := results.ReadRecord(merged)
	if err != nil {
		t.Fatal(err)
	}
	s0, err := results.ReadRecord(filepath.Join(dir, "shard0"))
	if err != nil {
		t.Fatal(err)
	}
	s1, err := results.ReadRecord(filepath.Join(dir, "shard1"))
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := scenarios.Load("smoke")
	want := int64(sc.Scaled(0.05).Client.Connections)
	if s0.Summary.PeakEstablished+s1.Summary.PeakEstablished != want {
		t.Errorf("shards' peaks %d + %d, want %d in all", s0.Summary.PeakEstablished, s1.Summary.PeakEstablished, want)
	}
	if got := rec.Summary.PeakEstablished; got != s0.Summary.PeakEstablished+s1.Summary.PeakEstablished || got != want {
		t.Errorf("merged peak %d, want the sum of the shards' %d + %d = the scenario's %d", got, s0.Summary.PeakEstablished, s1.Summary.PeakEstablished, want)
	}
	if !rec.Passed || len(rec.Expectations) == 0 || rec.Expectations[0].Name != "min-established" || rec.Expectations[0].Want != ">= 2000" {
		t.Errorf("merged expectations %+v (passed %v), want the whole's min-established >= 2000, held", rec.Expectations, rec.Passed)
	}
	if c := rec.Summary.Connect; c == nil || c.Count != uint64(want) {
		t.Errorf("merged connect latency %+v, want %d connects timed", c, want)
	}
	if len(rec.Workers) != len(s0.Workers)+len(s1.Workers) {
		t.Errorf("merged %d workers, shards had %d + %d", len(rec.Workers), len(s0.Workers), len(s1.Workers))
	}
	if _, err := os.Stat(filepath.Join(merged, results.SamplesFile)); err != nil {
		t.Errorf("no merged samples: %v", err)
	}
}

// TestClientsRefusals checks what clients refuses before anything
// starts (no root needed): no target, a bad shard, a phase of the
// server side, shards of different runs given to merge.
func TestClientsRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"clients", "smoke"}, exitUsage, "--target"},
		{[]string{"clients", "smoke", "--target", "198.18.0.1:8000", "--shard", "2/2"}, exitUsage, "0 <= I < N"},
		{[]string{"clients", "smoke", "--target", "198.18.0.1"}, exitUsage, "no port"},
		{[]string{"clients", "smoke", "--target", "2001:2::1:8000"}, exitUsage, "write [2001:2::1]:8000"},
		{[]string{"clients", "smoke", "--target", "[fe80::1]:8000"}, exitUsage, "outside 2001:2::/48"},
		{[]string{"clients", "close-storm", "--target", "198.18.0.1:8000", "--source", "198.18.0.4"}, exitUsage, "server side"},
		{[]string{"clients", "smoke", "--target", "198.18.0.1:8000", "--shards", "3"}, exitUsage, "without an index"},
		{[]string{"merge", "/nonexistent-c1m"}, exitUsage, "cannot be merged"},
	} {
		code, out := runBinary(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.say) {
			t.Errorf("%v: exit %d, output %q; want exit %d saying %q", tc.args, code, out, tc.code, tc.say)
		}
	}
}

// TestClientOptionsShard checks where the shard comes from.
func TestClientOptionsShard(t *testing.T) {
	for _, tc := range []struct {
		shard    string
		shards   int
		jobIndex string
		want     scenarios.Shard
		err      bool
	}{
		{"", 0, "", scenarios.Shard{Count: 1}, false},
		{"1/4", 0, "", scenarios.Shard{Index: 1, Count: 4}, false},
		{"", 4, "3", scenarios.Shard{Index: 3, Count: 4}, false},
		{"", 4, "4", scenarios.Shard{}, true},
		{"1/4", 3, "", scenarios.Shard{}, true},
		{"", 0, "2", scenarios.Shard{Count: 1}, false}, // an index without a count is not a shard
	} {
		opt, err := clientOptions("198.18.0.1:8000", tc.shard, tc.shards, "", "", tc.jobIndex)
		if (err != nil) != tc.err {
			t.Errorf("shard %q shards %d index %q: error %v, want error %v", tc.shard, tc.shards, tc.jobIndex, err, tc.err)
			continue
		}
		if err == nil && opt.Shard != tc.want {
			t.Errorf("shard %q shards %d index %q: %v, want %v", tc.shard, tc.shards, tc.jobIndex, opt.Shard, tc.want)
		}
		if err != nil && !errors.Is(err, scenarios.ErrInvalid) {
			t.Errorf("error %v is not ErrInvalid (exit 2)", err)
		}
	}
	if _, err := clientOptions("198.18.0.1:8000", "", 0, "tomorrow", "", ""); err == nil {
		t.Error("--start-at tomorrow accepted")
	}
}
