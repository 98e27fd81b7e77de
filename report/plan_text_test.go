package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
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

// recordOf is the run.json a run of s with plan p writes, decoded.
func recordOf(t *testing.T, s *scenarios.Scenario, p *plan.Plan) *results.Record {
	t.Helper()
	data, err := json.Marshal(map[string]any{"version": results.RecordVersion, "plan": p, "scenario_body": s})
	if err != nil {
		t.Fatal(err)
	}
	var rec results.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	return &rec
}

func TestPlanText(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"port-exhaustion", "", []string{"Plan for port-exhaustion (builtin:port-exhaustion): 40,000 connections\n\n  addresses         IPv4 from 198.18.0.0/15: 1 server address, 1 client namespace × 1 address\n  five-tuples ",
			"\n\n  LIMIT  ", "  NEED  ", "  HEADROOM  STATUS\n", "28,232", "HIT, expected (EADDRNOTAVAIL)",
			"\nFirst limit: five-tuples (HIT, expected (EADDRNOTAVAIL))\n  1 server address", "  fix: add 1 client address"}},
		{"traffic.toml", "[server]\non-data = \"echo\"\n[client]\nconnections = 1000\n[[phase]]\nkind = \"connect\"\n" +
			"[[phase]]\nkind = \"traffic\"\nduration = \"10s\"\ninterval = \"100ms\"\nfraction = 0.25\nbytes = \"1KiB\"\n",
			[]string{"2,500 messages/s in the busiest traffic phase", "each echoed", "500.0 KiB"}},
		{"wp.toml", "[topology]\nserver-ports = 2\n[server]\ncommand = [\"redis-server\", \"--port\", \"{worker-port}\"]\n[client]\nconnections = \"50k\"\n[[phase]]\nkind = \"connect\"\n",
			[]string{"one server port each, {worker-port}", "\nFirst limit: fds per server worker (EXCEEDED)", "fix: list at least"}},
		{"wan", "", []string{"client links ", "delay each way (round trips of at least"}},
		{"port-exhaustion-ipv6", "", []string{"IPv6 from 2001:2::/48: 1 server address, 1 client namespace × 16 AnyIP sources bound from its /64 (none added)"}},
		{"dual-stack", "", []string{"dual stack (each address in both families) from 198.18.0.0/15 and 2001:2::/48"}},
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

// TestPlanSection: a record of today's plan renders the tables of `plan`;
// one of another shape (a key missing, a key unknown, no scenario_body)
// the generic tables.
func TestPlanSection(t *testing.T) {
	s, p := planOf(t, "port-exhaustion", "")
	ts := planSection(recordOf(t, s, p))
	if len(ts) != 2 || ts[0].title != "Plan" || ts[1].title != "Plan: limits" {
		t.Fatalf("today's plan: tables %+v; want Plan and Plan: limits", ts)
	}
	want := PlanText(p)
	for _, tt := range ts {
		for _, r := range tt.rows {
			for _, c := range r {
				if !strings.Contains(want, c) {
					t.Errorf("the report's cell %q is not in the plan's text", c)
				}
			}
		}
	}
	if !strings.Contains(ts[1].note, "First limit: five-tuples (HIT, expected (EADDRNOTAVAIL)): 1 server address") {
		t.Errorf("the limits' note: %q", ts[1].note)
	}

	for name, change := range map[string]func(m map[string]any){
		"key missing":  func(m map[string]any) { delete(m, "time_wait") },
		"limit's key":  func(m map[string]any) { delete(m["limits"].([]any)[0].(map[string]any), "soft") },
		"key unknown":  func(m map[string]any) { m["future"] = 1 },
		"wrong type":   func(m map[string]any) { m["connections"] = "many" },
		"no limits":    func(m map[string]any) { m["limits"] = []any{} },
		"env replaced": func(m map[string]any) { m["env"] = 3 },
	} {
		rec := recordOf(t, s, p)
		change(rec.Plan.(map[string]any))
		if ts := planSection(rec); len(ts) == 0 || ts[0].title == "Plan" && len(ts) > 1 && ts[1].head[0] == "LIMIT" {
			t.Errorf("%s: rendered as today's plan", name)
		}
	}
	rec := recordOf(t, s, p)
	rec.ScenarioBody = nil
	if ts := planSection(rec); len(ts) > 1 && ts[1].head[0] == "LIMIT" {
		t.Errorf("no scenario_body: rendered as today's plan")
	}

	p.First.Why = "<script>x</script> [a](b) | *"
	var b strings.Builder
	for _, tt := range planSection(recordOf(t, s, p)) {
		writeMarkdownTable(&b, tt)
	}
	if md := b.String(); strings.Contains(md, "<script>") || strings.Contains(md, "[a](b)") || !strings.Contains(md, "| LIMIT |") {
		t.Errorf("the Markdown of a hostile plan:\n%s", md)
	}
}
