package plan

import (
	"math"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestPlanTraffic checks the plan of traffic phases: messages per second
// of the busiest one, and one message each way per sender buffered.
func TestPlanTraffic(t *testing.T) {
	src := "[server]\non-data = \"echo\"\n[client]\nconnections = 1000\n[[phase]]\nkind = \"connect\"\n" +
		"[[phase]]\nkind = \"traffic\"\nduration = \"60s\"\ninterval = \"10s\"\n" +
		"[[phase]]\nkind = \"traffic\"\nduration = \"10s\"\ninterval = \"100ms\"\nfraction = 0.25\nbytes = \"1KiB\"\n"
	s, err := scenarios.Parse("t.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(s, DefaultEnv())
	if err != nil {
		t.Fatal(err)
	}
	// 1000 × 1 / 10 s = 100; 1000 × 0.25 / 0.1 s = 2500 (the busiest).
	if p.MessagesPerSecond != 2500 {
		t.Errorf("MessagesPerSecond = %v; want 2500", p.MessagesPerSecond)
	}
	// max(1000 × 2 × 64, 250 × 2 × 1024) = 512,000.
	if p.BufferedBytes != 512000 || limitNamed(p, "net.ipv4.tcp_mem") == nil {
		t.Errorf("BufferedBytes = %d (tcp_mem limit %v); want 512000 and a tcp_mem limit", p.BufferedBytes, limitNamed(p, "net.ipv4.tcp_mem"))
	}

	// Absurd connections saturate instead of overflowing.
	s.Client.Connections = math.MaxInt64 / 4
	s.Phases[2].Bytes = scenarios.MaxTrafficBytes
	p, _ = New(s, DefaultEnv())
	checkPlan(t, p)
	if p.BufferedBytes != math.MaxInt64 || math.IsInf(p.MessagesPerSecond, 0) || math.IsNaN(p.MessagesPerSecond) {
		t.Errorf("BufferedBytes %d, MessagesPerSecond %v; want saturated and finite", p.BufferedBytes, p.MessagesPerSecond)
	}
}

// TestHeartbeatPlan: the built-in heartbeat asks for 33,333 messages a
// second at 1M (every 30 s: what 2 vCPUs answer on schedule) and plans on the reference machine; scaled, its traffic
// keeps the per-connection load and its expectation scales with it.
func TestHeartbeatPlan(t *testing.T) {
	s := mustLoad(t, "heartbeat")
	p, err := New(s, DefaultEnv())
	if err != nil {
		t.Fatal(err)
	}
	if p.Connections != 1_000_000 || math.Abs(p.MessagesPerSecond-1e6/30) > 1e-6 || p.BufferedBytes != 2*64*1_000_000 {
		t.Errorf("connections %d, messages/s %v, buffered %d; want 1M, 33,333, 128,000,000", p.Connections, p.MessagesPerSecond, p.BufferedBytes)
	}
	for _, f := range []float64{0.1, 0.01, 0.001} {
		c := s.Scaled(f)
		tr := c.Phases[1]
		if tr.Kind != scenarios.PhaseTraffic || tr.Interval != 30*time.Second || tr.Bytes != 64 || tr.Duration != time.Minute || tr.Fraction != 1 {
			t.Errorf("@%g: traffic phase %+v; want 64 B every 30s for 60s", f, tr)
		}
		cp, err := New(c, DefaultEnv())
		if err != nil {
			t.Fatalf("@%g: %v", f, err)
		}
		if want := 30000 * f; math.Abs(c.Expect.MessagesPerSecondMin-want) > 1e-9 || c.Expect.MessagesPerSecondMin > cp.MessagesPerSecond {
			t.Errorf("@%g: messages-per-second-min %v (plan %v); want %v, at most the plan's", f, c.Expect.MessagesPerSecondMin, cp.MessagesPerSecond, want)
		}
		if c.Expect.RTTP99Max != s.Expect.RTTP99Max {
			t.Errorf("@%g: rtt-p99-max %v; latency bounds do not scale", f, c.Expect.RTTP99Max)
		}
	}
}
