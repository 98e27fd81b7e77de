package testbed

import (
	"context"
	"fmt"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// pollInterval is how often phase waits look at the counters.
const pollInterval = 100 * time.Millisecond

// runPhase runs one phase and returns its record.
func (r *runner) runPhase(ctx context.Context, i int, ph scenarios.Phase) results.Phase {
	name := ph.Name // the decoder names every phase
	r.setPhaseKind(name, ph.Kind)
	rec := results.Phase{Name: name, Kind: ph.Kind, Started: time.Now()}
	r.progress.printf("%s", phaseStartLine(ph, r.sc.Client))
	r.phaseLatencyStart()
	var err error
	switch ph.Kind {
	case scenarios.PhaseConnect:
		err = r.connect(ctx, ph, &rec)
	case scenarios.PhaseHold:
		err = r.hold(ctx, ph.Duration, &rec)
	case scenarios.PhaseClose:
		err = r.close(ctx, ph, &rec)
	case scenarios.PhaseSend:
		err = r.send(ctx, ph, &rec)
	case scenarios.PhaseWait:
		err = r.wait(ctx, ph, &rec)
	case scenarios.PhaseTraffic:
		err = r.traffic(ctx, ph, &rec)
	default:
		err = fmt.Errorf("unknown phase kind %q", ph.Kind)
	}
	rec.Ended = time.Now()
	rec.Seconds = rec.Ended.Sub(rec.Started).Seconds()
	r.phaseLatencyEnd(ctx, ph, &rec)
	switch {
	case err == nil:
		rec.Outcome = "done"
	case ctx.Err() != nil:
		rec.Outcome, rec.Detail = "interrupted", err.Error()
	case err == errTimeout:
		rec.Outcome = "timeout"
	default:
		rec.Outcome, rec.Detail = "failed", err.Error()
	}
	st := r.status()
	r.progress.finish(printable.String(name), rec.Target, st)
	r.progress.printf("%s", phaseEndLine(rec))
	return rec
}

var errTimeout = fmt.Errorf("timed out")

// phaseStartLine announces a phase: "phase connect-1: connect every
// client connection". The name and what the description quotes of the
// scenario (a request, a path) are printed through printable.String: a
// phase name holding an escape sequence or a carriage return cannot
// rewrite the lines before it.
func phaseStartLine(ph scenarios.Phase, cli scenarios.Client) string {
	return fmt.Sprintf("phase %s: %s", printable.String(ph.Name), printable.String(describePhase(ph, cli)))
}

// phaseEndLine says how a phase ended: "phase hold-2: done after 5.0s".
func phaseEndLine(rec results.Phase) string {
	return fmt.Sprintf("phase %s: %s after %.1fs", printable.String(rec.Name), rec.Outcome, rec.Seconds)
}

// connect opens connections until the client side has ph.Target established.
func (r *runner) connect(ctx context.Context, ph scenarios.Phase, rec *results.Phase) error {
	// target 0 and rate 0 stay 0 in the scenario (run.json's scenario_body
	// records the file as written, "every connection"); they mean the
	// client's connections and connect-rate, resolved here only.
	target := ph.Target
	if target == 0 {
		target = r.sc.Client.Connections
	}
	rec.Target = target
	if r.external(roleClient) {
		return r.connectOutside(ctx, ph, rec)
	}
	need := target - int(r.fleet.RoleStats(roleClient).Established)
	if need <= 0 {
		return nil
	}
	rate := ph.Rate
	if rate == 0 {
		rate = r.sc.Client.ConnectRate
	}
	n := len(r.fleet.clients)
	waiting := map[*worker]bool{}
	err := r.fleet.broadcast(roleClient, func(i int, w *worker) nodes.Command {
		c := nodes.Command{Cmd: nodes.CmdConnect, Count: share(need, n, i)}
		if rate > 0 {
			c.Rate = max(1, share(rate, n, i))
		}
		c.InFlight = r.plan.InFlightPerWorker // the plan's, never re-defaulted here (nodes refuse 0)
		c.Window = r.sc.Client.Window
		if c.Count > 0 {
			waiting[w] = true
		}
		return c
	})
	if err != nil {
		return err
	}
	start := time.Now()
	reached := func() bool {
		est := r.fleet.RoleStats(roleClient).Established
		rec.Reached = max(rec.Reached, est)
		return est >= int64(target)
	}
	err = r.waitEvents(ctx, nodes.EventConnectDone, waiting, ph.Timeout, rec.Target, reached)
	end := r.lastEventAt
	if err == nil {
		// Stats lag the connect-done events by up to one stats period.
		_ = r.pollUntil(ctx, time.Now().Add(2*time.Second), reached)
	} else {
		end = time.Now()
	}
	r.sampler.MeasurePeak() // the peak: read the workers' memory now
	if r.rampStart.IsZero() {
		r.rampStart, r.rampEnd, r.rampConns = start, end, rec.Reached
	}
	return err
}

// waitEvents waits until every worker in waiting sent event, polling
// check (when not nil) and showing progress, until timeout.
func (r *runner) waitEvents(ctx context.Context, event string, waiting map[*worker]bool, timeout time.Duration, target int, check func() bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for len(waiting) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return errTimeout
		case ev := <-r.fleet.events:
			r.handleEvent(ev)
			if ev.event == event || ev.event == "exit" {
				delete(waiting, ev.w)
				r.lastEventAt = time.Now()
			}
		case <-tick.C:
			if check != nil {
				check()
			}
			r.progress.update(printable.String(r.phaseName()), target, r.status(), false)
		}
	}
	return nil
}

// handleEvent records what a worker said outside the phase's own events.
func (r *runner) handleEvent(ev workerEvent) {
	switch ev.event {
	case nodes.EventError:
		r.note(fmt.Sprintf("%s worker %d: %s", ev.w.role, ev.w.index, ev.detail))
	case "exit":
		if ev.w.killedEarly() {
			r.progress.printf("%s ended early: %s", printable.String(ev.w.describe()), printable.String(ev.detail))
			r.note(fmt.Sprintf("%s ended early: %s", ev.w.describe(), ev.detail))
		}
	}
}

// hold keeps the connections for d.
func (r *runner) hold(ctx context.Context, d time.Duration, rec *results.Phase) error {
	end := time.NewTimer(d)
	defer end.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-end.C:
			rec.Reached = r.fleet.RoleStats(roleClient).Established
			return nil
		case ev := <-r.fleet.events:
			r.handleEvent(ev)
		case <-tick.C:
			r.progress.update(printable.String(r.phaseName()), 0, r.status(), false)
		}
	}
}

// close closes a fraction of one side's connections and waits until
// the sockets are gone from the kernel: both sides' established counts
// agree and no orphan is left in any namespace.
func (r *runner) close(ctx context.Context, ph scenarios.Phase, rec *results.Phase) error {
	side, other := roleClient, roleServer
	if ph.Side == "server" {
		side, other = roleServer, roleClient
	}
	fraction, mode := ph.Fraction, ph.Mode // defaulted by the decoder
	if r.external(side) {
		return r.closeOutside(ctx, ph, rec, side, other)
	}
	n := len(r.fleet.role(side))
	waiting := map[*worker]bool{}
	start := time.Now()
	err := r.fleet.broadcast(side, func(i int, w *worker) nodes.Command {
		waiting[w] = true
		c := nodes.Command{Cmd: nodes.CmdClose, Fraction: fraction, Mode: mode}
		if ph.Rate > 0 {
			c.Rate = max(1, share(ph.Rate, n, i))
		}
		return c
	})
	if err != nil {
		return err
	}
	timeout := ph.Timeout
	if err := r.waitEvents(ctx, nodes.EventCloseDone, waiting, timeout, 0, nil); err != nil {
		return err
	}
	gone := func() bool {
		s, o := r.fleet.RoleStats(side), r.fleet.RoleStats(other)
		return o.Established <= s.Established && r.socketsGone()
	}
	err = r.pollUntil(ctx, start.Add(timeout), gone)
	secs := time.Since(start).Seconds()
	if err == nil {
		r.closeSeconds = append(r.closeSeconds, secs)
	}
	rec.Reached = r.fleet.RoleStats(roleClient).Established
	return err
}

// pollUntil polls cond (with fresh samples) until it holds or deadline passes.
func (r *runner) pollUntil(ctx context.Context, deadline time.Time, cond func() bool) error {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return errTimeout
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-r.fleet.events:
			r.handleEvent(ev)
		case <-tick.C:
			r.progress.update(printable.String(r.phaseName()), 0, r.status(), false)
		}
	}
}

// send makes every connection of one side write ph.Bytes.
func (r *runner) send(ctx context.Context, ph scenarios.Phase, rec *results.Phase) error {
	side := roleClient
	if ph.From == "server" {
		side = roleServer
	}
	waiting := map[*worker]bool{}
	err := r.fleet.broadcast(side, func(i int, w *worker) nodes.Command {
		waiting[w] = true
		return nodes.Command{Cmd: nodes.CmdSend, Bytes: ph.Bytes}
	})
	if err != nil {
		return err
	}
	return r.waitEvents(ctx, nodes.EventSendDone, waiting, ph.Timeout, 0, nil)
}

// wait polls the phase's condition until it holds or the timeout passes.
func (r *runner) wait(ctx context.Context, ph scenarios.Phase, rec *results.Phase) error {
	cond := conditionCheck(ph.Until)
	return r.pollUntil(ctx, time.Now().Add(ph.Timeout), func() bool { return cond(r) })
}

// describePhase says in a few words what a phase does (a traffic phase
// in the clients' protocol).
func describePhase(ph scenarios.Phase, cli scenarios.Client) string {
	switch ph.Kind {
	case scenarios.PhaseConnect:
		s := "connect every client connection"
		if ph.Target > 0 {
			s = fmt.Sprintf("connect until %d are established", ph.Target)
		}
		if ph.Rate > 0 {
			s += fmt.Sprintf(" at %d/s", ph.Rate)
		}
		return s
	case scenarios.PhaseHold:
		return "hold for " + ph.Duration.String()
	case scenarios.PhaseClose:
		return fmt.Sprintf("%s closes %.0f%% with %s", ph.Side, ph.Fraction*100, ph.Mode)
	case scenarios.PhaseSend:
		return fmt.Sprintf("%s sends %d bytes per connection", ph.From, ph.Bytes)
	case scenarios.PhaseWait:
		if !ph.Until.IsSet() {
			return "wait " + ph.Timeout.String()
		}
		return "wait until " + ph.Until.String()
	case scenarios.PhaseTraffic:
		f := ph.Fraction // the decoder's: in (0, 1], DefaultFraction when absent
		if cli.Protocol != scenarios.DefaultProtocol && cli.Protocol != "" {
			return fmt.Sprintf("%.0f%% of the connections send a %s request every %s for %s, each reply timed", f*100, protocolRequest(cli), ph.Interval, ph.Duration)
		}
		return fmt.Sprintf("%.0f%% of the connections send %d bytes every %s for %s (echoed)", f*100, ph.Bytes, ph.Interval, ph.Duration)
	}
	return ph.Kind
}
