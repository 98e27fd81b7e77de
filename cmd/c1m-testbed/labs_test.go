package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// A built-in scenario is a lab when its description begins with "Lab"
// ("Lab:", "Lab cure:", "Lab variant:"), the first word `c1m-testbed
// list` prints for it. The others (million, smoke, byo-server) are
// demonstrations of the whole testbed, not a limit of the checklist: the
// e2e tests run them (TestRunSmoke, TestRunMillionScaled, the byo tests).
func isLab(b scenarios.Info) bool { return strings.HasPrefix(b.Description, "Lab") }

// builtinLabs returns every built-in lab and cure, sorted by name: a new
// scenario file that calls itself a lab is tested with no list to edit.
func builtinLabs(t *testing.T) []scenarios.Info {
	t.Helper()
	var labs []scenarios.Info
	for _, b := range scenarios.Builtins() {
		if strings.HasPrefix(b.Description, "(invalid:") {
			t.Errorf("built-in scenario %s does not load: %s", b.Name, b.Description)
		}
		if isLab(b) {
			labs = append(labs, b)
		}
	}
	if len(labs) == 0 {
		t.Fatal("no built-in scenario describes itself as a lab")
	}
	return labs
}

// ciConnections is the most connections a lab opens in CI. A lab that
// asks for more runs at the --scale that brings it down to this (close-storm's
// 200,000 at 0.1, port-exhaustion's 40,000 at 0.5); a smaller one runs
// whole. scenarios.Scaled shrinks each lab's limit with its load (or runs
// a lab that cannot shrink whole), so the limit still shows; the whole
// list stays within a few minutes on 2 cores.
const ciConnections = 20000

// ciScale is the --scale CI runs sc at.
func ciScale(sc *scenarios.Scenario) float64 {
	if n := sc.Client.Connections; n > ciConnections {
		return float64(ciConnections) / float64(n)
	}
	return 1
}

// netRatelimitWindow is how long the kernel's networking message rate
// limit takes to refill.
const netRatelimitWindow = 6 * time.Second

// TestLabs runs every built-in lab end to end at its CI scale and checks
// that its expectations held (the failure appeared as predicted, or the
// cure worked), that nothing is left behind, and that every host-global
// setting it changed reads back as before. A lab that changes the host
// takes the host lock exclusively, so no other test of the module runs
// meanwhile.
func TestLabs(t *testing.T) {
	skipUnlessRoot(t)
	for _, b := range builtinLabs(t) {
		t.Run(b.Name, func(t *testing.T) {
			sc, err := scenarios.Load(b.Name)
			if err != nil {
				t.Fatal(err)
			}
			scale := ciScale(sc)
			if len(sc.Host) > 0 {
				hostlock.Exclusive(t)
			} else {
				hostlock.Shared(t)
			}
			if len(sc.Expect.KernelLog) > 0 {
				// Networking messages share one rate limit (net_ratelimit:
				// net.core.message_burst = 10 per message_cost = 5 s); the
				// lab before may just have spent it on its own messages.
				time.Sleep(netRatelimitWindow)
			}
			before := readHost(t, sc.Host)
			rec, code, _ := runScenario(t, filepath.Join(t.TempDir(), b.Name), b.Name, "--scale", fmtScale(scale), "--no-report")
			after := readHost(t, sc.Host)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("host setting %s reads %q after the run, was %q", k, after[k], v)
				}
			}
			checkPassed(t, rec, code)
			if len(rec.Expectations) == 0 {
				t.Error("the lab checked no expectation")
			}
			checkConnPool(t, sc, rec)
			assertClean(t, rec)
			t.Logf("%s at --scale %s: peak %d established, errors %v, kernel %v", b.Name, fmtScale(scale), rec.Summary.PeakEstablished, rec.Summary.Errors, rec.Summary.KernelMessages)
		})
	}
}

// TestLabsListed checks that every lab has its one-line description in
// `c1m-testbed list` and a row in docs/labs/README.md, the index of the
// guides.
func TestLabsListed(t *testing.T) {
	code, out := runBinary(t, "list")
	if code != exitOK {
		t.Fatalf("list: exit status %d:\n%s", code, out)
	}
	index, err := os.ReadFile("../../docs/labs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, lab := range builtinLabs(t) {
		found := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			found = found || len(f) > 1 && f[0] == lab.Name && strings.HasPrefix(f[1], "Lab")
		}
		if !found {
			t.Errorf("c1m-testbed list has no lab line for %s:\n%s", lab.Name, out)
		}
		if !strings.Contains(string(index), "`"+lab.Name+"`") {
			t.Errorf("docs/labs/README.md does not name `%s`: add it to the table of labs", lab.Name)
		}
	}
}

// checkConnPool: a lab whose server keeps a connection pool must show
// the pool's memory — user bytes per connection at the peak at least 90%
// of its two buffers — or the server ran with the compact table (the pool
// option never reached the workers) and the lab shows nothing.
func checkConnPool(t *testing.T, sc *scenarios.Scenario, rec *results.Record) {
	t.Helper()
	if sc.Server.ConnBuffer <= 0 {
		return
	}
	if sc.Expect.MinOOMKills > 0 {
		// The pool is killed before its peak is read: its memory shows in
		// the cgroup instead, reaching the limit.
		for _, r := range rec.Roles {
			if c := r.Cgroup; r.Role == "server" && (c == nil || float64(c.PeakMemory) < 0.9*float64(c.MemoryLimit)) {
				t.Errorf("the server's cgroup %+v did not reach its memory-limit before the kill", c)
			}
		}
		return
	}
	floor := 0.9 * 2 * float64(sc.Server.ConnBuffer)
	if got := rec.Summary.UserBytesPerConn; got < floor {
		t.Errorf("user memory %.0f B per connection with conn-buffer %d: want at least %.0f (2 buffers per slot); is server.conn-buffer passed to the workers?",
			got, sc.Server.ConnBuffer, floor)
	}
}

// readHost reads the host's value of every key of a scenario's [host].
func readHost(t *testing.T, host map[string]string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for k := range host {
		v, err := topology.ReadSysctl(k)
		if err != nil {
			t.Fatal(err)
		}
		m[k] = v
	}
	return m
}

func fmtScale(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
