package report

import (
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// latencyOf is a latency of n recordings spread evenly from lo to hi.
func latencyOf(n int, lo, hi time.Duration) *results.Latency {
	var h histogram.Histogram
	for i := range n {
		h.Record(lo + time.Duration(int64(hi-lo)*int64(i)/int64(max(1, n-1))))
	}
	return results.NewLatency(&h)
}

// TestLatencyText: the terminal table has a row per phase and measure, the
// whole run's only when it is not one phase's again, and the traffic
// table; nothing without latency.
func TestLatencyText(t *testing.T) {
	ms := time.Millisecond
	phases := []results.Phase{
		{Name: "connect-1", Kind: "connect", Connect: latencyOf(2000, 20*ms, 60*ms)},
		{Name: "connect-2", Kind: "connect", Connect: latencyOf(1000, 20*ms, 60*ms)},
		{Name: "heartbeat", Kind: "traffic", Seconds: 60, RTT: latencyOf(12000, 100*time.Microsecond, 3*ms),
			Traffic: &results.Traffic{MessagesAsked: 12000, MessagesSent: 12000, MessagesAnswered: 12000, MessagesPerSecond: 200, BytesSent: 768000, BytesReceived: 768000}},
		{Name: "close-3", Kind: "close"},
	}
	sum := results.Summary{Connect: latencyOf(3000, 20*ms, 60*ms), RTT: phases[2].RTT, Reconnects: 3, Reconnected: 2}
	got := LatencyText(phases, sum)
	for _, w := range []string{"p99.9", "connect-1", "heartbeat", "whole run", "2,000", "12,000", "200 /s", "750.0 KiB", "reconnects: 3 started, 2 back"} {
		if !strings.Contains(got, w) {
			t.Errorf("table lacks %q:\n%s", w, got)
		}
	}
	if n := strings.Count(got, "whole run"); n != 1 {
		t.Errorf("%d whole-run rows, want 1 (connect; round trips are heartbeat's alone):\n%s", n, got)
	}
	if strings.Contains(got, "close-3") {
		t.Errorf("a phase without latency has a row:\n%s", got)
	}
	lines := strings.Split(got, "\n")
	if !strings.HasPrefix(lines[0], "  phase") || len(lines[0]) != len(lines[1]) {
		t.Errorf("columns not aligned:\n%s", got)
	}
	if got := LatencyText(phases[3:], results.Summary{}); got != "" {
		t.Errorf("no latency, table %q", got)
	}
}
