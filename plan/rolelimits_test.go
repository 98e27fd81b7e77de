package plan

import (
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestRoleLimits checks the planner against each role's memory-limit
// and cpus: a limit the role outgrows is refused unless the scenario
// expects the OOM kill, and the connection count where the kill comes is
// named.
func TestRoleLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []scenarios.Override
		err  string // "" = the plan holds
		why  string // in the role's limit
	}{
		{"enough memory", []scenarios.Override{{Key: "server.memory-limit", Value: "1GiB"}}, "", "OOM killer ends a server process at about 253,526 connections"},
		{"too little memory", []scenarios.Override{{Key: "server.memory-limit", Value: "64MiB"}}, "server memory-limit", ""},
		{"too little, the kill expected", []scenarios.Override{{Key: "server.memory-limit", Value: "64MiB"}, {Key: "expect.min-oom-kills", Value: "1"}}, "", "at about 13,737 connections"},
		{"a static pool counts", []scenarios.Override{{Key: "server.memory-limit", Value: "512MiB"}, {Key: "server.conn-buffer", Value: "16KiB"}}, "server memory-limit", ""},
		{"the clients' limit", []scenarios.Override{{Key: "client.memory-limit", Value: "32MiB"}}, "client memory-limit", ""},
		{"a CPU the host lacks", []scenarios.Override{{Key: "server.cpus", Value: "0,5"}}, "server cpus", ""},
		{"CPUs the host has", []scenarios.Override{{Key: "server.cpus", Value: "1"}, {Key: "client.cpus", Value: "0"}}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenarios.LoadWith("smoke", tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			p, err := New(s, DefaultEnv())
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("New = %v, want %q", err, tc.err)
			}
			if tc.why == "" {
				return
			}
			for _, l := range p.Limits {
				if strings.HasSuffix(l.Name, "memory-limit") && strings.Contains(l.Why, tc.why) {
					return
				}
			}
			t.Errorf("no memory-limit says %q: %+v", tc.why, p.Limits)
		})
	}
}
