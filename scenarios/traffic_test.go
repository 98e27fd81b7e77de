package scenarios

import (
	"encoding/json"
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
