package testbed

import (
	"context"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// hists are the cumulative latency histograms of one client worker (as it
// last reported them) or of many merged: connect latency and message
// round trips. A worker reports a histogram only when its count changed,
// so the last one received stays the worker's until a newer one comes.
// 34 KB, a value with no pointers: `a = b` is a snapshot.
type hists struct {
	connect, rtt, handshake histogram.Histogram
}

// merge adds every recording of o to h.
func (h *hists) merge(o *hists) {
	h.connect.Merge(&o.connect)
	h.rtt.Merge(&o.rtt)
	h.handshake.Merge(&o.handshake)
}

// delta sets h to the recordings of cur that are not in prev (an earlier
// snapshot of the same merged histograms): one interval's or one phase's.
// A prev that is not earlier (a worker restarted its histogram, which
// nodes never do) leaves the whole of cur, the closest honest answer.
func (h *hists) delta(cur, prev *hists) {
	if h.connect.Delta(&cur.connect, &prev.connect) != nil {
		h.connect = cur.connect
	}
	if h.rtt.Delta(&cur.rtt, &prev.rtt) != nil {
		h.rtt = cur.rtt
	}
	if h.handshake.Delta(&cur.handshake, &prev.handshake) != nil {
		h.handshake = cur.handshake
	}
}

// msgCounts are the traffic counters of the client side, cumulative.
type msgCounts struct {
	asked, sent, answered int64
	bytesOut, bytesIn     int64
}

// sub returns c - o.
func (c msgCounts) sub(o msgCounts) msgCounts {
	return msgCounts{c.asked - o.asked, c.sent - o.sent, c.answered - o.answered, c.bytesOut - o.bytesOut, c.bytesIn - o.bytesIn}
}

// takeHists keeps what a stats report carries of the worker's histograms
// in w.hist and drops the pointers from the stats the worker keeps, so a
// snapshot never shares them (a worker sends a histogram only when its
// count changed: a report without one leaves w.hist as it was). Called
// under w.mu.
func (w *worker) takeHists(s *nodes.Stats) {
	if s.ConnectHist != nil {
		w.hist.connect = *s.ConnectHist
		s.ConnectHist = nil
	}
	if s.RTTHist != nil {
		w.hist.rtt = *s.RTTHist
		s.RTTHist = nil
	}
	if s.HandshakeHist != nil {
		w.hist.handshake = *s.HandshakeHist
		s.HandshakeHist = nil
	}
}

// mergeHists sets into to the merged histograms of every worker of a role
// (exited ones keep their last). It does not allocate.
func (f *fleet) mergeHists(role string, into *hists) {
	into.connect.Reset()
	into.rtt.Reset()
	into.handshake.Reset()
	for _, w := range f.role(role) {
		w.mu.Lock()
		into.merge(&w.hist)
		w.mu.Unlock()
	}
}

// msgCountsOf sums a role's traffic counters.
func (f *fleet) msgCountsOf(role string) msgCounts {
	var c msgCounts
	for _, w := range f.role(role) {
		s := w.snapshot()
		c.bytesOut += s.BytesOut
		c.bytesIn += s.BytesIn
		c.asked += s.MsgAsked
		c.sent += s.MsgSent
		c.answered += s.MsgAnswered
	}
	return c
}

// p99 is h's 99th percentile, 0 when h is empty.
func p99(h *histogram.Histogram) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return h.ValueAt(0.99)
}

// statsStale bounds how long a phase waits, once it is over, for every
// client worker's next stats report (sent every 250 ms), so that its
// histograms and counters hold the phase's last recordings.
const statsStale = 2 * time.Second

// phaseLatencyStart snapshots the client side's histograms and traffic
// counters as a phase starts.
func (r *runner) phaseLatencyStart() {
	r.fleet.mergeHists(roleClient, &r.lat.start)
	r.lat.startMsgs = r.fleet.msgCountsOf(roleClient)
}

// phaseLatencyEnd fills a connect phase's connect latency, and a traffic
// phase's round trips and traffic, from what the client workers recorded
// since phaseLatencyStart: it first waits (at most statsStale) for a
// stats report of every client worker sent after the phase's work ended.
func (r *runner) phaseLatencyEnd(ctx context.Context, ph scenarios.Phase, rec *results.Phase) {
	reconnects := r.sc.Client.Reconnect.Policy != scenarios.ReconnectOff
	if ph.Kind != scenarios.PhaseConnect && ph.Kind != scenarios.PhaseTraffic && !reconnects || r.external(roleClient) {
		return
	}
	ended := time.Now()
	_ = r.pollUntil(ctx, ended.Add(statsStale), func() bool { return r.fleet.reportedSince(roleClient, ended) })
	r.fleet.mergeHists(roleClient, &r.lat.end)
	r.lat.delta.delta(&r.lat.end, &r.lat.start)
	if ph.Kind != scenarios.PhaseTraffic {
		// A connect phase's connects, or the reconnects of any phase.
		rec.Connect = results.NewLatency(&r.lat.delta.connect)
		rec.Handshake = results.NewLatency(&r.lat.delta.handshake)
		return
	}
	rec.RTT = results.NewLatency(&r.lat.delta.rtt)
	d := r.fleet.msgCountsOf(roleClient).sub(r.lat.startMsgs)
	t := &results.Traffic{MessagesAsked: d.asked, MessagesSent: d.sent, MessagesAnswered: d.answered,
		BytesSent: d.bytesOut, BytesReceived: d.bytesIn}
	if rec.Seconds > 0 {
		t.MessagesPerSecond = float64(d.answered) / rec.Seconds
	}
	rec.Traffic = t
}

// phaseHists is the runner's latency state: the histograms at the start
// and end of the running phase and their difference, kept in the runner
// (100 KB) so a phase allocates only the results it keeps.
type phaseHists struct {
	start, end, delta hists
	startMsgs         msgCounts
}

// reportedSince reports whether every live built-in worker of a role sent
// stats after t.
func (f *fleet) reportedSince(role string, t time.Time) bool {
	for _, w := range f.role(role) {
		w.mu.Lock()
		ok := w.exited || w.argv != nil || w.statsAt.After(t)
		w.mu.Unlock()
		if !ok {
			return false
		}
	}
	return true
}

// summaryLatency fills the run's connect latency and round trips: every
// recording of every client worker.
func (r *runner) summaryLatency(s *results.Summary) {
	r.fleet.mergeHists(roleClient, &r.lat.end)
	s.Connect = results.NewLatency(&r.lat.end.connect)
	s.RTT = results.NewLatency(&r.lat.end.rtt)
	s.Handshake = results.NewLatency(&r.lat.end.handshake)
	s.Protocol = r.fleet.protocolOf(r.sc.Client.Protocol)
	cli := r.fleet.roleStats(roleClient)
	s.Reconnects, s.Reconnected = cli.Reconnects, cli.Reconnected
}

// protocolOf is what the client workers counted of their protocol; nil
// for echo.
func (f *fleet) protocolOf(name string) *results.Protocol {
	if name == "" || name == nodes.ProtoEcho {
		return nil
	}
	s := f.roleStats(roleClient)
	return &results.Protocol{Name: name, Handshakes: s.Handshakes, KeepAliveSent: s.KeepSent, KeepAliveAnswered: s.KeepAnswered,
		Pongs: s.Pongs, Pushes: s.Pushes, Statuses: s.Statuses}
}
