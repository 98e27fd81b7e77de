package scenarios

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr string
	}{
		{"100Mbit", 100_000_000, ""},
		{"1Gbit", 1_000_000_000, ""},
		{"500kbit", 500_000, ""},
		{"500Kbit", 500_000, ""},
		{"2.5Gbit", 2_500_000_000, ""},
		{"64000bit", 64_000, ""},
		{" 10 Mbit ", 10_000_000, ""},
		{"1_000kbit", 1_000_000, ""},
		{"1.5bit", 0, "not a whole number"},
		{"100", 0, "no rate unit"},
		{"100Mbps", 0, "no rate unit"},
		{"10MB/s", 0, "no rate unit"},
		{"100mbit", 0, "m is milli"},
		{"Mbit", 0, "not a rate"},
		{"-5Mbit", 0, "not a rate"},
		{"+5Mbit", 0, "not a rate"},
		{"1e3Mbit", 0, "not a rate"},
		{"0x10Mbit", 0, "not a rate"},
		{"NaNMbit", 0, "not a rate"},
		{"InfGbit", 0, "not a rate"},
		{"99999999999999999999Gbit", 0, "too large"},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseRate(%q) = %d, %v; want %d, error %q", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"0.5%", 0.5, false},
		{" 2 % ", 2, false},
		{"100%", 100, false},
		{"0%", 0, false},
		{"0.5", 0, true},
		{"%", 0, true},
		{"1e1%", 0, true},
		{"NaN%", 0, true},
		{"inf%", 0, true},
		{"half%", 0, true},
	}
	for _, tt := range tests {
		got, err := ParsePercent(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestPlanTraffic checks the plan of traffic phases: messages per second
// of the busiest one, and one message each way per sender buffered.
func TestPlanTraffic(t *testing.T) {
	src := "[server]\non-data = \"echo\"\n[client]\nconnections = 1000\n[[phase]]\nkind = \"connect\"\n" +
		"[[phase]]\nkind = \"traffic\"\nduration = \"60s\"\ninterval = \"10s\"\n" +
		"[[phase]]\nkind = \"traffic\"\nduration = \"10s\"\ninterval = \"100ms\"\nfraction = 0.25\nbytes = \"1KiB\"\n"
	s, err := Parse("t.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(s, DefaultEnv())
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
	var b bytes.Buffer
	p.WriteTable(&b)
	if !strings.Contains(b.String(), "2,500 messages/s") {
		t.Errorf("the table does not show the messages per second:\n%s", b.String())
	}

	// Absurd connections saturate instead of overflowing.
	s.Client.Connections = math.MaxInt64 / 4
	s.Phases[2].Bytes = MaxTrafficBytes
	p, _ = NewPlan(s, DefaultEnv())
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
	p, err := NewPlan(s, DefaultEnv())
	if err != nil {
		t.Fatal(err)
	}
	if p.Connections != 1_000_000 || math.Abs(p.MessagesPerSecond-1e6/30) > 1e-6 || p.BufferedBytes != 2*64*1_000_000 {
		t.Errorf("connections %d, messages/s %v, buffered %d; want 1M, 33,333, 128,000,000", p.Connections, p.MessagesPerSecond, p.BufferedBytes)
	}
	for _, f := range []float64{0.1, 0.01, 0.001} {
		c := s.Scaled(f)
		tr := c.Phases[1]
		if tr.Kind != PhaseTraffic || tr.Interval != 30*time.Second || tr.Bytes != 64 || tr.Duration != time.Minute || tr.Fraction != 1 {
			t.Errorf("@%g: traffic phase %+v; want 64 B every 30s for 60s", f, tr)
		}
		cp, err := NewPlan(c, DefaultEnv())
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

// TestWanKeepsLink: --scale never changes the link shaping.
func TestWanKeepsLink(t *testing.T) {
	s := mustLoad(t, "wan")
	c := s.Scaled(0.1)
	want := Topology{LinkDelay: 25 * time.Millisecond, LinkJitter: 5 * time.Millisecond, LinkLoss: 0.5}
	for _, tp := range []Topology{s.Topology, c.Topology} {
		if tp.LinkDelay != want.LinkDelay || tp.LinkJitter != want.LinkJitter || tp.LinkLoss != want.LinkLoss || tp.LinkRate != 0 || !tp.Shaped() {
			t.Errorf("topology %+v; want 25ms ± 5ms, 0.5%% loss", tp)
		}
	}
	if c.Client.Connections != 2000 || c.Expect.MessagesPerSecondMin != 900 {
		t.Errorf("@0.1: %d connections, messages-per-second-min %v; want 2000 and 900", c.Client.Connections, c.Expect.MessagesPerSecondMin)
	}
	if got := s.Topology.RTTFloor(); got != 40*time.Millisecond {
		t.Errorf("RTTFloor = %v; want 40ms (2 × (25 - 5) ms)", got)
	}
}

// TestJSONTraffic: the new durations marshal as seconds and come back.
func TestJSONTraffic(t *testing.T) {
	s := mustLoad(t, "wan")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"link_delay_seconds":0.025`, `"link_jitter_seconds":0.005`, `"link_loss":0.5`, `"link_rate":0`,
		`"interval_seconds":2`, `"rtt_p50_min_seconds":0.04`, `"rtt_p99_max_seconds":1`, `"connect_p99_max_seconds":2`, `"messages_per_second_min":9000`, `"subnet":"198.18.0.0/15"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("wan's JSON lacks %s: %s", want, b)
		}
	}
	var back Scenario
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Source, back.pos = s.Source, s.pos
	if back.Topology.LinkDelay != s.Topology.LinkDelay || back.Topology.LinkJitter != s.Topology.LinkJitter || back.Topology.Subnet != s.Topology.Subnet ||
		back.Phases[1].Interval != 2*time.Second || back.Expect.RTTP50Min != 40*time.Millisecond || back.Expect.ConnectP99Max != 2*time.Second {
		t.Errorf("round trip lost a field: %+v %+v %+v", back.Topology, back.Phases[1], back.Expect)
	}
	sb := mustLoad(t, "syn-backlog")
	b, _ = json.Marshal(sb.Expect)
	var e Expect
	if err := json.Unmarshal(b, &e); err != nil || e.ConnectP99Min != time.Second {
		t.Errorf("syn-backlog's connect-p99-min came back as %v (%v)", e.ConnectP99Min, err)
	}
}
