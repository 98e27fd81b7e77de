package verdict

import (
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// latencyOf is a results.Latency of n recordings spread evenly from lo to hi.
func latencyOf(n int, lo, hi time.Duration) *results.Latency {
	var h histogram.Histogram
	for i := range n {
		h.Record(lo + time.Duration(int64(hi-lo)*int64(i)/int64(max(1, n-1))))
	}
	return results.NewLatency(&h)
}

func TestEvaluateLatency(t *testing.T) {
	ms := time.Millisecond
	// Two connect phases whose connects merge (p99 in the second's 1 s
	// retransmits), one traffic phase of round trips from 40 to 60 ms.
	phases := []results.Phase{
		{Name: "1-connect", Kind: scenarios.PhaseConnect, Connect: latencyOf(900, 41*ms, 45*ms)},
		{Name: "2-connect", Kind: scenarios.PhaseConnect, Connect: latencyOf(100, 1000*ms, 1030*ms)},
		{Name: "3-traffic", Kind: scenarios.PhaseTraffic, Outcome: "done", RTT: latencyOf(1000, 40*ms, 60*ms),
			Traffic: &results.Traffic{MessagesAsked: 1200, MessagesAnswered: 1200, MessagesPerSecond: 200}},
		{Name: "4-traffic", Kind: scenarios.PhaseTraffic, Outcome: "timeout"},
	}
	delay := scenarios.Topology{LinkDelay: 20 * ms}
	tests := []struct {
		name   string
		expect scenarios.Expect
		topo   scenarios.Topology
		phases []results.Phase
		want   []string // the names, each suffixed " held" or " FAILED"
	}{
		{"nothing asked", scenarios.Expect{}, scenarios.Topology{}, phases, nil},
		{"connect p99 shows the 1 s retransmit", scenarios.Expect{ConnectP99Min: time.Second}, scenarios.Topology{}, phases,
			[]string{"connect-p99-min held"}},
		{"connect p99 ceiling breached", scenarios.Expect{ConnectP99Max: 500 * ms}, scenarios.Topology{}, phases,
			[]string{"connect-p99-max FAILED"}},
		{"connect p99 ceiling held without the retransmits", scenarios.Expect{ConnectP99Max: 500 * ms}, scenarios.Topology{}, phases[:1],
			[]string{"connect-p99-max held"}},
		{"rtt bounds", scenarios.Expect{RTTP99Max: 61 * ms, RTTP50Min: 45 * ms}, scenarios.Topology{}, phases,
			[]string{"rtt-p99-max held", "rtt-p50-min held"}},
		{"rtt bounds breached", scenarios.Expect{RTTP99Max: 50 * ms, RTTP50Min: 55 * ms}, scenarios.Topology{}, phases,
			[]string{"rtt-p99-max FAILED", "rtt-p50-min FAILED"}},
		{"no round trips measured", scenarios.Expect{RTTP99Max: time.Second}, scenarios.Topology{}, phases[:2],
			[]string{"rtt-p99-max FAILED"}},
		{"messages per second, each traffic phase", scenarios.Expect{MessagesPerSecondMin: 150}, scenarios.Topology{}, phases,
			[]string{"messages-per-second-min 3-traffic held", "messages-per-second-min 4-traffic FAILED"}},
		{"messages per second too few", scenarios.Expect{MessagesPerSecondMin: 250}, scenarios.Topology{}, phases[:3],
			[]string{"messages-per-second-min 3-traffic FAILED"}},
		{"link-delay floor held", scenarios.Expect{}, delay, phases[:1],
			[]string{"link-delay floor connect-p50 held"}},
		{"link-delay floor of both", scenarios.Expect{}, delay, phases,
			[]string{"link-delay floor connect-p50 held", "link-delay floor rtt-p50 held"}},
		{"link-delay floor not reached", scenarios.Expect{}, scenarios.Topology{LinkDelay: 25 * ms}, phases[:1],
			[]string{"link-delay floor connect-p50 FAILED"}},
		{"jitter lowers the floor", scenarios.Expect{}, scenarios.Topology{LinkDelay: 25 * ms, LinkJitter: 5 * ms}, phases[:1],
			[]string{"link-delay floor connect-p50 held"}},
		{"link-delay floor skipped when nothing was measured", scenarios.Expect{}, delay, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := latency(tc.expect, tc.topo, tc.phases)
			var names []string
			for _, e := range got {
				mark := " held"
				if !e.Held {
					mark = " FAILED"
				}
				names = append(names, e.Name+mark)
			}
			if strings.Join(names, ", ") != strings.Join(tc.want, ", ") {
				t.Errorf("got %v, want %v\n%+v", names, tc.want, got)
			}
		})
	}
}
