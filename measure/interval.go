package measure

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
	cur, prev, delta Hists
	prevMsgs         Traffic
	// The last interval's figures, for the progress line.
	connectP99, rttP99 time.Duration // 0: nothing recorded that interval
	answeredPerSec     float64
}

// take fills smp's latency and traffic cells from what w's client
// workers recorded since the last call, dt seconds ago (0 at the first
// sample). traffic says a traffic phase is running, so its message rates
// are written even when they are 0 (a stall shows as 0, not as nothing).
func (l *intervalLatency) take(w Workers, smp *results.Sample, dt float64, traffic bool) {
	w.MergeHists(RoleClient, &l.cur)
	l.delta.Delta(&l.cur, &l.prev)
	l.prev = l.cur
	smp.SetIntervalLatency(&l.delta.Connect, &l.delta.RTT)
	smp.SetIntervalHandshake(&l.delta.Handshake)
	l.connectP99, l.rttP99 = P99(&l.delta.Connect), P99(&l.delta.RTT)

	m := w.Traffic(RoleClient)
	d := m.Sub(l.prevMsgs)
	l.prevMsgs = m
	l.answeredPerSec = 0
	if dt > 0 && (traffic || d.Asked != 0 || d.Sent != 0 || d.Answered != 0) {
		smp.SetIntervalTraffic(d.Asked, d.Answered, dt)
		l.answeredPerSec = float64(d.Answered) / dt
	}
}
