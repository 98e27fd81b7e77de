package testbed

import (
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestProgressLine: connect p99 shows during connects, messages answered
// per second and rtt p99 during traffic.
func TestProgressLine(t *testing.T) {
	p := newProgress(nil, false)
	st := status{kind: scenarios.PhaseConnect, established: 1500, connectP99: 1020 * time.Millisecond}
	if l := p.line("1-connect", 2000, st); !strings.Contains(l, "connect p99 1.02 s") {
		t.Errorf("connect line: %s", l)
	}
	st.kind = scenarios.PhaseClose
	if l := p.line("3-close", 0, st); strings.Contains(l, "connect p99") {
		t.Errorf("close line shows connect p99: %s", l)
	}
	st = status{kind: scenarios.PhaseTraffic, established: 2000, answeredPerSec: 200, rttP99: 41500 * time.Microsecond}
	if l := p.line("3-traffic", 0, st); !strings.Contains(l, "msgs 200/s  rtt p99 41.5 ms") {
		t.Errorf("traffic line: %s", l)
	}
}
