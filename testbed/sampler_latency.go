package testbed

import (
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// intervalLatency turns the client workers' cumulative histograms and
// traffic counters into one sample interval's figures. The histograms are
// fields, merged and subtracted in place every sample: nothing is
// allocated per sample or per connection (merging a hundred workers'
// histograms is a few tens of microseconds).
type intervalLatency struct {
	cur, prev, delta hists
	prevMsgs         msgCounts
	// The last interval's figures, for the progress line.
	connectP99, rttP99 time.Duration // 0: nothing recorded that interval
	answeredPerSec     float64
}

// take fills smp's latency and traffic cells from what the fleet's client
// workers recorded since the last call, dt seconds ago (0 at the first
// sample). traffic says a traffic phase is running, so its message rates
// are written even when they are 0 (a stall shows as 0, not as nothing).
func (l *intervalLatency) take(f *fleet, smp *results.Sample, dt float64, traffic bool) {
	f.mergeHists(roleClient, &l.cur)
	l.delta.delta(&l.cur, &l.prev)
	l.prev = l.cur
	smp.SetIntervalLatency(&l.delta.connect, &l.delta.rtt)
	smp.SetIntervalHandshake(&l.delta.handshake)
	l.connectP99, l.rttP99 = p99(&l.delta.connect), p99(&l.delta.rtt)

	m := f.msgCountsOf(roleClient)
	d := m.sub(l.prevMsgs)
	l.prevMsgs = m
	l.answeredPerSec = 0
	if dt > 0 && (traffic || d.asked != 0 || d.sent != 0 || d.answered != 0) {
		smp.SetIntervalTraffic(d.asked, d.answered, dt)
		l.answeredPerSec = float64(d.answered) / dt
	}
}
