package testbed

import (
	"context"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// takeHists keeps what a stats report carries of the worker's histograms
// in w.hist and drops the pointers from the stats the worker keeps, so a
// snapshot never shares them (a worker sends a histogram only when its
// count changed: a report without one leaves w.hist as it was). Called
// under w.mu.
func (w *worker) takeHists(s *nodes.Stats) {
	if s.ConnectHist != nil {
		w.hist.Connect = *s.ConnectHist
		s.ConnectHist = nil
	}
	if s.RTTHist != nil {
		w.hist.RTT = *s.RTTHist
		s.RTTHist = nil
	}
	if s.HandshakeHist != nil {
		w.hist.Handshake = *s.HandshakeHist
		s.HandshakeHist = nil
	}
	if s.WaitHist != nil {
		w.hist.Wait = *s.WaitHist
		s.WaitHist = nil
	}
}

// MergeHists sets into to the merged histograms of every worker of a role
// (exited ones keep their last). It does not allocate.
func (f *fleet) MergeHists(role string, into *measure.Hists) {
	into.Reset()
	for _, w := range f.role(role) {
		w.mu.Lock()
		into.Merge(&w.hist)
		w.mu.Unlock()
	}
}

// Traffic sums a role's traffic counters.
func (f *fleet) Traffic(role string) measure.Traffic {
	var c measure.Traffic
	for _, w := range f.role(role) {
		s := w.snapshot()
		c.BytesOut += s.BytesOut
		c.BytesIn += s.BytesIn
		c.Asked += s.MsgAsked
		c.Sent += s.MsgSent
		c.Answered += s.MsgAnswered
	}
	return c
}

// statsStale bounds how long a phase waits, once it is over, for every
// client worker's stats report (asked for with a report command), so
// that its histograms and counters hold the phase's last recordings.
const statsStale = 2 * time.Second

// phaseLatencyStart snapshots the client side's histograms and traffic
// counters as a phase starts.
func (r *runner) phaseLatencyStart() {
	r.fleet.MergeHists(roleClient, &r.lat.start)
	r.lat.startMsgs = r.fleet.Traffic(roleClient)
}

// phaseLatencyEnd fills a connect phase's connect latency, and a traffic
// phase's round trips and traffic, from what the client workers recorded
// since phaseLatencyStart: it first asks every client worker for a stats
// report (a worker writes one by itself only when its stats changed) and
// waits, at most statsStale, for every one sent after the phase's work
// ended.
func (r *runner) phaseLatencyEnd(ctx context.Context, ph scenarios.Phase, rec *results.Phase) {
	reconnects := r.sc.Client.Reconnect.Policy != scenarios.ReconnectOff
	if ph.Kind != scenarios.PhaseConnect && ph.Kind != scenarios.PhaseTraffic && !reconnects || r.external(roleClient) {
		return
	}
	ended := time.Now()
	_ = r.fleet.broadcast(roleClient, func(int, *worker) nodes.Command { return nodes.Command{Cmd: nodes.CmdReport} })
	_ = r.pollUntil(ctx, ended.Add(statsStale), func() bool { return r.fleet.reportedSince(roleClient, ended) })
	r.fleet.MergeHists(roleClient, &r.lat.end)
	r.lat.delta.Delta(&r.lat.end, &r.lat.start)
	if ph.Kind != scenarios.PhaseTraffic {
		// A connect phase's connects, or the reconnects of any phase.
		rec.Connect = results.NewLatency(&r.lat.delta.Connect)
		rec.LoopWait = results.NewLatency(&r.lat.delta.Wait)
		rec.Handshake = results.NewLatency(&r.lat.delta.Handshake)
		return
	}
	rec.RTT = results.NewLatency(&r.lat.delta.RTT)
	d := r.fleet.Traffic(roleClient).Sub(r.lat.startMsgs)
	t := &results.Traffic{MessagesAsked: d.Asked, MessagesSent: d.Sent, MessagesAnswered: d.Answered,
		BytesSent: d.BytesOut, BytesReceived: d.BytesIn}
	if rec.Seconds > 0 {
		t.MessagesPerSecond = float64(d.Answered) / rec.Seconds
	}
	rec.Traffic = t
}

// phaseHists is the runner's latency state: the histograms at the start
// and end of the running phase and their difference, kept in the runner
// (100 KB) so a phase allocates only the results it keeps.
type phaseHists struct {
	start, end, delta measure.Hists
	startMsgs         measure.Traffic
}

// reportedSince reports whether every live built-in worker of a role sent
// stats after t.
func (f *fleet) reportedSince(role string, t time.Time) bool {
	for _, w := range f.role(role) {
		w.mu.Lock()
		ok := w.exited || !w.kind.reports() || w.statsAt.After(t)
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
	r.fleet.MergeHists(roleClient, &r.lat.end)
	s.Connect = results.NewLatency(&r.lat.end.Connect)
	s.LoopWait = results.NewLatency(&r.lat.end.Wait)
	s.RTT = results.NewLatency(&r.lat.end.RTT)
	s.Handshake = results.NewLatency(&r.lat.end.Handshake)
	s.Protocol = r.fleet.protocolOf(r.sc.Client.Protocol)
	cli := r.fleet.RoleStats(roleClient)
	s.Reconnects, s.Reconnected = cli.Reconnects, cli.Reconnected
}

// protocolOf is what the client workers counted of their protocol; nil
// for echo.
func (f *fleet) protocolOf(name string) *results.Protocol {
	if name == "" || name == nodes.ProtoEcho {
		return nil
	}
	s := f.RoleStats(roleClient)
	return &results.Protocol{Name: name, Handshakes: s.Handshakes, KeepAliveSent: s.KeepSent, KeepAliveAnswered: s.KeepAnswered,
		Pongs: s.Pongs, Pushes: s.Pushes, Statuses: s.Statuses}
}

// staleAfter is how old a live worker's last stats line may be before the
// live line marks the workers' figures stale: a worker writes one at
// least every 2 s (nodes' heartbeat), so an older one means its loop is
// too busy to report, and the figures it feeds (established, conn/s,
// msgs/s, connect p99) lag the truth.
const staleAfter = 3 * time.Second

// statsAge is the age of the oldest last stats line among the live
// built-in workers of both roles (0 when none is older than staleAfter).
func (f *fleet) statsAge(now time.Time) time.Duration {
	var oldest time.Duration
	for _, w := range f.all() {
		w.mu.Lock()
		if !w.exited && w.kind.reports() && !w.statsAt.IsZero() {
			oldest = max(oldest, now.Sub(w.statsAt))
		}
		w.mu.Unlock()
	}
	if oldest < staleAfter {
		return 0
	}
	return oldest
}
