package verdict

import (
	"fmt"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// floorSlack is how far below a physical floor a reported percentile may
// read: a percentile is a bucket's midpoint, within 1/128 of the exact
// value (internal/histogram).
const floorSlack = 1.0 / 128

// latency checks the latency expectations of e against the
// phases' histograms: connect-p99-max and connect-p99-min over every
// connect phase merged, handshake-p99-max over their handshakes,
// rtt-p99-max and rtt-p50-min over every traffic
// phase merged, messages-per-second-min on each traffic phase, and, when
// the links are delayed, the physical floor the delay sets (a connect and
// a round trip each cross every link twice, so their p50 is at least
// 2 × (link-delay − link-jitter)). An expectation on something the run
// did not measure (no connect or no message recorded) fails: it was not
// shown to hold.
func latency(e scenarios.Expect, topo scenarios.Topology, phases []results.Phase) []results.Expectation {
	var out []results.Expectation
	add := func(name, want, got string, held bool) {
		out = append(out, results.Expectation{Name: name, Want: want, Got: got, Held: held})
	}
	var connect, handshake, rtt histogram.Histogram
	for _, ph := range phases {
		if ph.Connect != nil && ph.Connect.Histogram != nil {
			connect.Merge(ph.Connect.Histogram)
		}
		if ph.Handshake != nil && ph.Handshake.Histogram != nil {
			handshake.Merge(ph.Handshake.Histogram)
		}
		if ph.RTT != nil && ph.RTT.Histogram != nil {
			rtt.Merge(ph.RTT.Histogram)
		}
	}
	bound := func(name string, h *histogram.Histogram, what string, q float64, limit time.Duration, atMost bool) {
		want := ">= " + units.Duration(limit)
		if atMost {
			want = "<= " + units.Duration(limit)
		}
		if h.Count() == 0 {
			add(name, want, "no "+what+" recorded", false)
			return
		}
		v := h.ValueAt(q)
		held := v >= limit
		if atMost {
			held = v <= limit
		}
		add(name, want, fmt.Sprintf("%s (%d %s)", units.Duration(v), h.Count(), what), held)
	}
	if e.ConnectP99Max > 0 {
		bound("connect-p99-max", &connect, "connects", 0.99, e.ConnectP99Max, true)
	}
	if e.ConnectP99Min > 0 {
		bound("connect-p99-min", &connect, "connects", 0.99, e.ConnectP99Min, false)
	}
	if e.HandshakeP99Max > 0 {
		bound("handshake-p99-max", &handshake, "handshakes", 0.99, e.HandshakeP99Max, true)
	}
	if e.RTTP99Max > 0 {
		bound("rtt-p99-max", &rtt, "round trips", 0.99, e.RTTP99Max, true)
	}
	if e.RTTP50Min > 0 {
		bound("rtt-p50-min", &rtt, "round trips", 0.5, e.RTTP50Min, false)
	}
	if e.MessagesPerSecondMin > 0 {
		for _, ph := range phases {
			if ph.Kind != scenarios.PhaseTraffic {
				continue
			}
			got, rate := "no traffic recorded ("+ph.Outcome+")", 0.0
			if ph.Traffic != nil {
				rate = ph.Traffic.MessagesPerSecond
				got = fmt.Sprintf("%.0f/s (%d of %d answered, %s)", rate, ph.Traffic.MessagesAnswered, ph.Traffic.MessagesAsked, ph.Outcome)
			}
			add("messages-per-second-min "+ph.Name, fmt.Sprintf(">= %.0f/s", e.MessagesPerSecondMin), got,
				ph.Traffic != nil && rate >= e.MessagesPerSecondMin)
		}
	}
	if topo.LinkDelay > 0 {
		floor := 2 * (topo.LinkDelay - topo.LinkJitter)
		check := func(name string, h *histogram.Histogram, what string) {
			if h.Count() == 0 {
				return // nothing of that kind was measured (no such phase, or external clients)
			}
			v := h.ValueAt(0.5)
			add(name, fmt.Sprintf(">= %s (2 × (link-delay - link-jitter))", units.Duration(floor)),
				fmt.Sprintf("%s (%d %s)", units.Duration(v), h.Count(), what),
				float64(v) >= float64(floor)*(1-floorSlack))
		}
		check("link-delay floor connect-p50", &connect, "connects")
		check("link-delay floor rtt-p50", &rtt, "round trips")
	}
	return out
}
