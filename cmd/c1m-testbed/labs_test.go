package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// labRuns are the labs and their cures as CI runs them: each at a scale
// where its limit still shows. Labs whose limit does not shrink with the
// connection count (a port range, an fd limit, a table size, a backlog)
// are small by nature and run whole.
var labRuns = []struct {
	name  string
	scale float64
}{
	{"close-storm", 0.1},
	{"close-storm-fin", 0.1},
	{"close-storm-rate", 0.1},
	{"port-exhaustion", 1},
	{"port-exhaustion-wider-range", 1},
	{"port-exhaustion-more-ports", 1},
	{"port-exhaustion-more-addresses", 1},
	{"fd-limit", 1},
	{"fd-limit-more-workers", 1},
	{"syn-backlog", 1},
	{"syn-backlog-deep", 1},
	{"tcp-mem", 1},
	{"tcp-mem-small-buffers", 1},
	{"conntrack", 1},
	{"conntrack-off", 1},
	{"neighbour-table", 1},
	{"neighbour-table-routed", 1},
	{"neighbour-table-larger", 1},
	{"file-max", 1},
}

// netRatelimitWindow is how long the kernel's networking message rate
// limit takes to refill.
const netRatelimitWindow = 6 * time.Second

// TestLabs runs every lab end to end and checks that its expectations
// held (the failure appeared as predicted, or the cure worked), that
// nothing is left behind, and that every host-global setting it changed
// reads back as before. A lab that changes the host takes the host lock
// exclusively, so no other test of the module runs meanwhile.
func TestLabs(t *testing.T) {
	skipUnlessRoot(t)
	for _, lab := range labRuns {
		t.Run(lab.name, func(t *testing.T) {
			sc, err := scenarios.Load(lab.name)
			if err != nil {
				t.Fatal(err)
			}
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
			out := filepath.Join(t.TempDir(), lab.name)
			code, log := runBinary(t, "run", lab.name, "--scale", fmtScale(lab.scale), "--out", out, "--no-report")
			after := readHost(t, sc.Host)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("host setting %s reads %q after the run, was %q", k, after[k], v)
				}
			}
			rec, err := report.ReadRecord(out)
			if err != nil {
				t.Fatalf("no run.json (exit %d):\n%s", code, tail(log, 3000))
			}
			if code != exitOK {
				t.Errorf("exit status %d, want 0; failure: %s\n%s", code, rec.Failure, tail(log, 2000))
			}
			for _, e := range rec.Expectations {
				if !e.Held {
					t.Errorf("expectation %s: want %s, got %s", e.Name, e.Want, e.Got)
				}
			}
			if len(rec.Expectations) == 0 {
				t.Error("the lab checked no expectation")
			}
			if !rec.Summary.HostRestored {
				t.Errorf("host_restored = false: %+v", rec.Host)
			}
			if rec.Summary.Leftovers != 0 {
				t.Errorf("leftovers = %d: %v", rec.Summary.Leftovers, rec.Summary.LeftoverItems)
			}
			assertNoNamespaces(t, rec.RunID)
			t.Logf("%s: peak %d established, errors %v, kernel %v", lab.name, rec.Summary.PeakEstablished, rec.Summary.Errors, rec.Summary.KernelMessages)
		})
	}
}

// TestLabsListed checks that every lab has its one-line description in
// `c1m-testbed list` and a guide.
func TestLabsListed(t *testing.T) {
	code, out := runBinary(t, "list")
	if code != exitOK {
		t.Fatalf("list: exit status %d:\n%s", code, out)
	}
	for _, lab := range labRuns {
		found := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			found = found || len(f) > 1 && f[0] == lab.name && strings.HasPrefix(f[1], "Lab")
		}
		if !found {
			t.Errorf("c1m-testbed list has no lab line for %s:\n%s", lab.name, out)
		}
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
