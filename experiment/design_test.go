package experiment

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func TestPoints(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params []results.Parameter
		want   string
	}{
		{"nothing swept: one point", nil, "[]"},
		{"one parameter", []results.Parameter{{Key: "a", Values: []string{"1", "2", "3"}}}, "[1] [2] [3]"},
		{"two: the last varies fastest", []results.Parameter{{Key: "a", Values: []string{"1", "2"}}, {Key: "b", Values: []string{"x", "y"}}},
			"[1 x] [1 y] [2 x] [2 y]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range Points(tc.params) {
				got = append(got, fmt.Sprint(p.Values))
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("Points = %v, want %s", got, tc.want)
			}
		})
	}
}

// TestOrderInterleaves checks that every point's repeat r runs before
// any point's repeat r+1.
func TestOrderInterleaves(t *testing.T) {
	var got []string
	for _, r := range Order(3, 2) {
		got = append(got, r.Dir)
		if r.Status != results.StatusPending {
			t.Errorf("%s starts %s, want pending", r.Dir, r.Status)
		}
	}
	if want := "p1-r1 p2-r1 p3-r1 p1-r2 p2-r2 p3-r2"; strings.Join(got, " ") != want {
		t.Fatalf("Order = %v, want %s", got, want)
	}
}

func TestParseSets(t *testing.T) {
	fixed, params, err := ParseSets([]string{"client.connections=10k,20k", "phase.2.duration=1s", `sysctl.server."net.ipv4.tcp_rmem"=4096 4096 4096,4096 87380 6291456`})
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) != 1 || fixed[0].Key != "phase.2.duration" || fixed[0].Value != "1s" {
		t.Errorf("fixed = %+v", fixed)
	}
	if len(params) != 2 || params[1].Values[1] != "4096 87380 6291456" {
		t.Errorf("params = %+v", params)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"client.connections=1,2", "client.connections=3,4"}, "given twice"},
		{[]string{"client.connections"}, "="},
		{[]string{"a=1,2", "b=1,2", "c=1,2", "d=1,2", "e=1,2"}, "at most 4"},
	} {
		if _, _, err := ParseSets(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, scenarios.ErrInvalid) {
			t.Errorf("ParseSets(%q) = %v, want an invalid-scenario error with %q", tc.args, err, tc.want)
		}
	}
}

func TestPrepare(t *testing.T) {
	d := Design{Scenario: "smoke", Repeat: 2, Scale: 0.5,
		Set:        []scenarios.Override{{Key: "phase.2.duration", Value: "1s"}},
		Parameters: []results.Parameter{{Key: "client.connections", Values: []string{"10k", "40k"}}, {Key: "topology.client-addresses", Values: []string{"2", "4"}}}}
	p, err := Prepare(d, plan.DefaultEnv(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := p.Sweep
	if s.Kind != results.KindSweep || s.Scenario != "smoke" || len(s.Points) != 4 || len(s.Runs) != 8 || len(p.Scenarios) != 4 {
		t.Fatalf("prepared %+v", s)
	}
	if got := p.Scenarios[3]; got.Client.Connections != 40000 || got.Topology.ClientAddresses != 4 || got.Phases[1].Duration.Seconds() != 1 {
		t.Errorf("point 4 decoded as %+v (unscaled: testbed.Run scales it)", got.Client)
	}
	if p.Plans[3].Connections != 20000 || p.Largest != 2 {
		t.Errorf("point 4 planned for %d connections (want 20,000 at scale 0.5); largest point %d, want the first with the most, 2", p.Plans[3].Connections, p.Largest)
	}
	if p.Total() <= 0 || p.Estimates[3] <= p.Estimates[0] {
		t.Errorf("estimates %v: 20,000 connections should take longer than 5,000", p.Estimates)
	}
	if strings.Join(s.Set, " ") != "phase.2.duration=1s" {
		t.Errorf("set = %v", s.Set)
	}
	d.Parameters = nil
	if p, err := Prepare(d, plan.DefaultEnv(), t.TempDir()); err != nil || p.Sweep.Kind != results.KindRepeat || len(p.Sweep.Runs) != 2 {
		t.Errorf("a design without parameters is a repeat of 2 runs: %v", err)
	}
}

// TestPrepareRefuses checks that a bad value or an impossible point is
// refused before anything runs, naming the point.
func TestPrepareRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Design
		want []string
	}{
		{"a bad value", Design{Scenario: "smoke", Repeat: 1, Scale: 1,
			Parameters: []results.Parameter{{Key: "client.connections", Values: []string{"10k", "lots"}}}},
			[]string{"point 2 (client.connections=lots)", "--set client.connections=lots"}},
		{"a misspelt key", Design{Scenario: "smoke", Repeat: 1, Scale: 1,
			Parameters: []results.Parameter{{Key: "client.conections", Values: []string{"1", "2"}}}},
			[]string{"point 1", "connections"}},
		{"a point the plan refuses", Design{Scenario: "port-exhaustion", Repeat: 1, Scale: 1,
			Parameters: []results.Parameter{{Key: "client.connections", Values: []string{"30k", "3M"}}}},
			[]string{"point 2 (client.connections=3M)"}},
		{"no repeat", Design{Scenario: "smoke", Repeat: 0, Scale: 1}, []string{"--repeat 0"}},
		{"too many runs", Design{Scenario: "smoke", Repeat: 100, Scale: 1,
			Parameters: []results.Parameter{{Key: "a", Values: make([]string, 64)}, {Key: "b", Values: make([]string, 64)}}}, []string{"more than 10000 runs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prepare(tc.d, plan.DefaultEnv(), t.TempDir())
			if err == nil || !errors.Is(err, scenarios.ErrInvalid) {
				t.Fatalf("Prepare = %v, want an invalid-scenario error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestResume(t *testing.T) {
	s := &results.Sweep{Source: "smoke", Set: []string{"phase.2.duration=1s"}, Repeat: 2, Scale: 0.5,
		Parameters: []results.Parameter{{Key: "client.connections", Values: []string{"10k", "20k"}}}}
	d, err := Resume(s)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(d, plan.DefaultEnv(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	old := *p.Sweep
	old.Runs = append([]results.SweepRun(nil), p.Sweep.Runs...)
	old.Runs[0].Status = results.StatusPassed
	if err := p.Adopt(&old); err != nil || !p.Sweep.Runs[0].Done() {
		t.Fatalf("Adopt: %v; the finished run is %s", err, p.Sweep.Runs[0].Status)
	}
	old.Runs = old.Runs[:2]
	if err := p.Adopt(&old); err == nil {
		t.Error("a sweep whose runs do not match its grid was adopted")
	}
}
