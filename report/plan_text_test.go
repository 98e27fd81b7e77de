package report

import (
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// planOf plans a scenario source (a built-in's name, or TOML) on the
// reference machine.
func planOf(t *testing.T, name, src string) (*scenarios.Scenario, *plan.Plan) {
	t.Helper()
	var s *scenarios.Scenario
	var err error
	if src == "" {
		s, err = scenarios.Load(name)
	} else {
		s, err = scenarios.Parse(name, []byte(src))
	}
	if err != nil {
		t.Fatal(err)
	}
	env := plan.DefaultEnv()
	env.FDHard = 20000
	p, _ := plan.New(s, env)
	return s, p
}

func TestPlanText(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"port-exhaustion", "", []string{"Plan for port-exhaustion (builtin:port-exhaustion): 40,000 connections\n\n  five-tuples ",
			"\n\n  LIMIT  ", "  NEED  ", "  HEADROOM  STATUS\n", "28,232", "HIT, expected (EADDRNOTAVAIL)",
			"\nFirst limit: five-tuples (HIT, expected (EADDRNOTAVAIL))\n  1 server address", "  fix: add 1 client address"}},
		{"traffic.toml", "[server]\non-data = \"echo\"\n[client]\nconnections = 1000\n[[phase]]\nkind = \"connect\"\n" +
			"[[phase]]\nkind = \"traffic\"\nduration = \"10s\"\ninterval = \"100ms\"\nfraction = 0.25\nbytes = \"1KiB\"\n",
			[]string{"2,500 messages/s in the busiest traffic phase", "each echoed", "500.0 KiB"}},
		{"wp.toml", "[topology]\nserver-ports = 2\n[server]\ncommand = [\"redis-server\", \"--port\", \"{worker-port}\"]\n[client]\nconnections = \"50k\"\n[[phase]]\nkind = \"connect\"\n",
			[]string{"one server port each, {worker-port}", "\nFirst limit: fds per server worker (EXCEEDED)", "fix: list at least"}},
		{"wan", "", []string{"client links ", "delay each way (round trips of at least"}},
	} {
		_, p := planOf(t, tc.name, tc.src)
		out := PlanText(p)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the plan text lacks %q:\n%s", tc.name, w, out)
			}
		}
	}
}

// TestPlanTextEscapes: a hostile name or reason reaches the terminal escaped.
func TestPlanTextEscapes(t *testing.T) {
	_, p := planOf(t, "port-exhaustion", "")
	p.Scenario = "x\x1b[2J"
	p.Limits[0].Name = "y\x1b]0;t\x07"
	p.First.Why = "z\x1b[31m"
	if out := PlanText(p); strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) {
		t.Errorf("control characters reach the terminal: %q", out)
	}
}
