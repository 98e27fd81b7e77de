package testbed

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// The phase loop driven through a fake fleet (fakefleet_test.go): the
// commands the runner sends, the reports it reads, and what it makes of
// them, without root.

const fakeHead = `
name = "fake"
[client]
connections = 300
[server]
on-data = "echo"
`

// phaseOutcomes lists "name outcome" of every phase run.
func phaseOutcomes(ps []results.Phase) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name+" "+p.Outcome)
	}
	return out
}

func TestFakePhasesConnectHoldClose(t *testing.T) {
	lab := newFakeLab(t, 2, 3)
	r, _ := runFake(t, lab, `
[[phase]]
kind = "connect"
[[phase]]
kind = "hold"
duration = "50ms"
[[phase]]
kind = "close"
side = "client"
fraction = 1.0
`, "connect-1 done,hold-2 done,close-3 done")
	conn, hold, cl := r.phases[0], r.phases[1], r.phases[2]
	if conn.Target != 300 || conn.Reached != 300 || conn.Detail != "" {
		t.Errorf("connect: target %d reached %d detail %q, want 300, 300, none", conn.Target, conn.Reached, conn.Detail)
	}
	if conn.Connect == nil || conn.Connect.Count != 300 {
		t.Errorf("connect latency = %+v, want the 300 connects the clients recorded", conn.Connect)
	}
	if hold.Reached != 300 || hold.Seconds < 0.05 {
		t.Errorf("hold: reached %d after %.3fs, want 300 after at least 0.05s", hold.Reached, hold.Seconds)
	}
	if cl.Reached != 0 {
		t.Errorf("close: reached %d, want 0", cl.Reached)
	}
	for _, p := range r.phases {
		if p.Seconds <= 0 || !p.Ended.After(p.Started) {
			t.Errorf("phase %s: %.3fs from %v to %v", p.Name, p.Seconds, p.Started, p.Ended)
		}
	}
	// Each client got its share of the connections, the plan's in-flight
	// cap and, for the close, the decoder's mode.
	for i, n := range lab.clients {
		cs := n.commandsOf(nodes.CmdConnect)
		if len(cs) != 1 || cs[0].Count != 100 || cs[0].InFlight != r.plan.InFlightPerWorker || cs[0].InFlight <= 0 {
			t.Errorf("client %d connect commands = %+v, want one for 100 with in_flight %d", i, cs, r.plan.InFlightPerWorker)
		}
		if cs := n.commandsOf(nodes.CmdClose); len(cs) != 1 || cs[0].Fraction != 1 || cs[0].Mode == "" {
			t.Errorf("client %d close commands = %+v", i, cs)
		}
	}
	for i, n := range lab.servers {
		if cs := n.commandsOf(nodes.CmdClose); len(cs) != 0 {
			t.Errorf("server %d was told to close: %+v", i, cs)
		}
	}
	s := r.summary(closing{restored: true})
	if s.PeakEstablished != 300 {
		t.Errorf("peak established = %d, want 300", s.PeakEstablished)
	}
	if s.RampSeconds <= 0 || s.RampSeconds > conn.Seconds {
		t.Errorf("ramp = %.3fs, want within the connect phase's %.3fs", s.RampSeconds, conn.Seconds)
	}
	if want := 300 / s.RampSeconds; s.ConnectsPerSecond != want {
		t.Errorf("connects/s = %f, want %f", s.ConnectsPerSecond, want)
	}
	if s.CloseSeconds <= 0 || s.CloseSeconds > cl.Seconds {
		t.Errorf("close = %.3fs, want within the close phase's %.3fs", s.CloseSeconds, cl.Seconds)
	}
	if r.rampConns != 300 {
		t.Errorf("the ramp counted %d connections, want 300", r.rampConns)
	}
	lab.f.stopAll(time.Second)
	rec := r.record(closing{restored: true}, nil)
	if !rec.Passed || rec.Failure != "" || rec.Summary.WorkersKilled != 0 || len(rec.Workers) != 5 {
		t.Errorf("record: passed %v failure %q killed %d workers %d, want a clean pass of 5 workers",
			rec.Passed, rec.Failure, rec.Summary.WorkersKilled, len(rec.Workers))
	}
}

func TestFakeCloseServerSide(t *testing.T) {
	lab := newFakeLab(t, 2, 3)
	r, _ := runFake(t, lab, `
[[phase]]
kind = "connect"
[[phase]]
kind = "close"
side = "server"
mode = "rst"
fraction = 1.0
rate = 1000
`, "connect-1 done,close-2 done")
	for i, n := range lab.servers {
		cs := n.commandsOf(nodes.CmdClose)
		if len(cs) != 1 || cs[0].Mode != "rst" || cs[0].Rate != 500 {
			t.Errorf("server %d close commands = %+v, want one rst at 500/s (its share)", i, cs)
		}
	}
	for i, n := range lab.clients {
		if cs := n.commandsOf(nodes.CmdClose); len(cs) != 0 {
			t.Errorf("client %d was told to close: %+v", i, cs)
		}
	}
	if r.phases[1].Reached != 0 || len(r.closeSeconds) != 1 {
		t.Errorf("close: reached %d, close times %v; want 0 and one", r.phases[1].Reached, r.closeSeconds)
	}
}

func TestFakeTraffic(t *testing.T) {
	lab := newFakeLab(t, 1, 2)
	r, _ := runFake(t, lab, `
[[phase]]
kind = "connect"
[[phase]]
kind = "traffic"
bytes = 64
interval = "10ms"
duration = "100ms"
fraction = 0.5
`, "connect-1 done,traffic-2 done")
	for i, n := range lab.clients {
		cs := n.commandsOf(nodes.CmdTraffic)
		if len(cs) != 1 || cs[0].Bytes != 64 || cs[0].Fraction != 0.5 || cs[0].Interval != 10*time.Millisecond || cs[0].Duration != 100*time.Millisecond {
			t.Errorf("client %d traffic commands = %+v", i, cs)
		}
	}
	tr := r.phases[1]
	// 150 connections of each client's 150 take part, 10 messages each.
	const msgs = 2 * 75 * 10
	if tr.Traffic == nil || tr.Traffic.MessagesAnswered != msgs || tr.Traffic.MessagesAsked != msgs || tr.Traffic.BytesSent != msgs*64 {
		t.Fatalf("traffic = %+v, want %d messages of 64 bytes", tr.Traffic, msgs)
	}
	if tr.RTT == nil || tr.RTT.Count != msgs {
		t.Errorf("rtt = %+v, want %d round trips", tr.RTT, msgs)
	}
	if tr.Reached != 300 {
		t.Errorf("traffic: reached %d, want 300", tr.Reached)
	}
	if r.sampler.TrafficOn() {
		t.Error("the sampler still counts a traffic phase")
	}
}

func TestFakeErrorsByErrno(t *testing.T) {
	lab := newFakeLab(t, 1, 3)
	failing := map[int]map[string]int64{0: {"ECONNREFUSED": 5}, 2: {"ECONNREFUSED": 1, "ETIMEDOUT": 4}}
	for i, n := range lab.clients {
		n.on = func(n *fakeNode, c nodes.Command) bool {
			if c.Cmd != nodes.CmdConnect || failing[i] == nil {
				return false
			}
			var failed int64
			for _, v := range failing[i] {
				failed += v
			}
			n.addErrors(failing[i])
			n.mu.Lock()
			n.stats.Established += int64(c.Count) - failed
			n.stats.Connected += int64(c.Count) - failed
			n.mu.Unlock()
			n.report()
			if i == 2 {
				n.event(nodes.EventError, "connect: 4 timed out")
			}
			n.event(nodes.EventConnectDone, "")
			return true
		}
	}
	r, _ := fakeRunner(t, lab, fakeHead+`
[[phase]]
kind = "connect"
`)
	if err := r.runPhases(context.Background(), "teardown follows"); err != nil {
		t.Fatal(err)
	}
	ph := r.phases[0]
	// Every worker answered: the phase is done, short of its target.
	if ph.Outcome != "done" || ph.Target != 300 || ph.Reached != 290 {
		t.Errorf("connect: %s, reached %d of %d; want done, 290 of 300", ph.Outcome, ph.Reached, ph.Target)
	}
	want := map[string]int64{"ECONNREFUSED": 6, "ETIMEDOUT": 4}
	s := r.summary(closing{restored: true})
	if !maps.Equal(s.Errors, want) {
		t.Errorf("errors = %v, want %v", s.Errors, want)
	}
	if r.rampConns != 290 {
		t.Errorf("the ramp counted %d connections, want 290", r.rampConns)
	}
	if !strings.Contains(strings.Join(r.notes, "\n"), "client worker 2: connect: 4 timed out") {
		t.Errorf("notes = %q, want the worker's error event", r.notes)
	}
}

func TestFakeWorkerEndsEarly(t *testing.T) {
	lab := newFakeLab(t, 1, 3)
	lab.clients[1].on = func(n *fakeNode, c nodes.Command) bool {
		if c.Cmd != nodes.CmdTraffic {
			return false
		}
		n.exit(errFakeKilled) // dies mid-phase, never says traffic-done
		return true
	}
	r, out := fakeRunner(t, lab, fakeHead+`
[[phase]]
kind = "connect"
[[phase]]
kind = "traffic"
bytes = 64
interval = "10ms"
duration = "100ms"
[[phase]]
kind = "hold"
duration = "10ms"
[expect]
no-node-killed = true
`)
	if err := r.runPhases(context.Background(), "teardown follows"); err != nil {
		t.Fatal(err)
	}
	// The phase waits for no more than the living: its exit crosses the
	// dead worker off; the run goes on, and the verdict says it.
	if got := phaseOutcomes(r.phases); strings.Join(got, ",") != "connect-1 done,traffic-2 done,hold-3 done" {
		t.Fatalf("phases = %v", got)
	}
	if r.phases[2].Reached != 200 {
		t.Errorf("hold: reached %d, want 200 (the dead worker's connections are gone)", r.phases[2].Reached)
	}
	const ended = "client worker 1 (pid 0) ended early: signal: killed"
	if !strings.Contains(out.String(), ended) {
		t.Errorf("progress does not say %q:\n%s", ended, out)
	}
	if !strings.Contains(strings.Join(r.notes, "\n"), ended) {
		t.Errorf("notes = %q, want %q", r.notes, ended)
	}
	lab.f.stopAll(time.Second)
	rec := r.record(closing{restored: true}, nil)
	if rec.Passed || rec.Summary.WorkersKilled != 1 {
		t.Errorf("record: passed %v, workers killed %d; want a failure with 1 killed", rec.Passed, rec.Summary.WorkersKilled)
	}
	for _, w := range rec.Workers {
		if w.Killed != (w.Role == roleClient && w.Index == 1) {
			t.Errorf("worker %+v", w)
		}
	}
}

func TestFakeStartEndedEarly(t *testing.T) {
	lab := newFakeLab(t, 1, 2)
	lab.clients[1].on = func(n *fakeNode, c nodes.Command) bool {
		if c.Cmd == nodes.CmdStart {
			n.exit(errFakeKilled)
			return true
		}
		return false
	}
	r, _ := fakeRunner(t, lab, fakeHead+"[[phase]]\nkind = \"connect\"\n")
	start := func(int) nodes.Command { return nodes.Command{Cmd: nodes.CmdStart} }
	if err := r.startAndWait(context.Background(), roleServer, start); err != nil {
		t.Fatalf("servers: %v", err)
	}
	err := r.startAndWait(context.Background(), roleClient, start)
	var died errWorkerDied
	if !errors.As(err, &died) || died.w != lab.f.clients[1] || err.Error() != "client worker 1 (pid 0) ended early: signal: killed" {
		t.Errorf("clients: %v, want client worker 1 ended early", err)
	}
}

func TestFakeStartError(t *testing.T) {
	lab := newFakeLab(t, 2, 1)
	lab.servers[1].on = func(n *fakeNode, c nodes.Command) bool {
		n.event(nodes.EventError, "listen 10.0.0.1:80: address already in use")
		return true
	}
	r, _ := fakeRunner(t, lab, fakeHead+"[[phase]]\nkind = \"connect\"\n")
	err := r.startAndWait(context.Background(), roleServer, func(int) nodes.Command { return nodes.Command{Cmd: nodes.CmdStart} })
	if err == nil || err.Error() != "server worker 1: listen 10.0.0.1:80: address already in use" {
		t.Errorf("servers: %v", err)
	}
}

func TestFakeConnectTimeout(t *testing.T) {
	lab := newFakeLab(t, 1, 2)
	lab.clients[0].on = func(n *fakeNode, c nodes.Command) bool {
		if c.Cmd != nodes.CmdConnect {
			return false
		}
		n.mu.Lock()
		n.stats.Established += 10 // connects a few, then hangs
		n.mu.Unlock()
		return true
	}
	r, _ := fakeRunner(t, lab, fakeHead+`
[[phase]]
kind = "connect"
timeout = "300ms"
[[phase]]
kind = "hold"
duration = "1ms"
`)
	if err := r.runPhases(context.Background(), "teardown follows"); err != nil {
		t.Fatal(err) // a timed-out phase is the verdict's, not the loop's
	}
	if got := phaseOutcomes(r.phases); strings.Join(got, ",") != "connect-1 timeout,hold-2 done" {
		t.Fatalf("phases = %v", got)
	}
	ph := r.phases[0]
	if ph.Reached != 160 || ph.Target != 300 || ph.Seconds < 0.3 {
		t.Errorf("connect: reached %d of %d after %.3fs, want 160 of 300 after at least 0.3s", ph.Reached, ph.Target, ph.Seconds)
	}
	if s := r.summary(closing{restored: true}); r.rampConns != 160 || s.RampSeconds < 0.3 {
		t.Errorf("ramp: %d connections over %.3fs, want 160 over at least 0.3s", r.rampConns, s.RampSeconds)
	}
}

func TestFakeInterruptedConnect(t *testing.T) {
	lab := newFakeLab(t, 1, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lab.clients[1].on = func(n *fakeNode, c nodes.Command) bool {
		if c.Cmd == nodes.CmdConnect {
			cancel() // the user's ^C while the connects run
			return true
		}
		return false
	}
	r, _ := fakeRunner(t, lab, fakeHead+`
[[phase]]
kind = "connect"
[[phase]]
kind = "hold"
duration = "1h"
`)
	err := r.runPhases(ctx, "teardown follows")
	if err == nil || err.Error() != "interrupted during phase connect-1: teardown follows" {
		t.Fatalf("runPhases: %v", err)
	}
	if len(r.phases) != 1 {
		t.Fatalf("phases = %v, want the interrupted one only", phaseOutcomes(r.phases))
	}
	if ph := r.phases[0]; ph.Outcome != "interrupted" || ph.Detail != context.Canceled.Error() {
		t.Errorf("connect: %s (%s), want interrupted (context canceled)", ph.Outcome, ph.Detail)
	}
	if r.counters != nil {
		t.Errorf("counters read after an interruption: %v", r.counters)
	}
}

func TestFakeInterruptedHold(t *testing.T) {
	lab := newFakeLab(t, 1, 1)
	r, _ := fakeRunner(t, lab, fakeHead+`
[[phase]]
kind = "hold"
duration = "1h"
`)
	// Far shorter than the hold: the deadline is the interruption.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := r.runPhases(ctx, "the workers are stopped")
	if err == nil || err.Error() != "interrupted during phase hold-1: the workers are stopped" {
		t.Fatalf("runPhases: %v", err)
	}
	if ph := r.phases[0]; ph.Outcome != "interrupted" || ph.Detail != context.DeadlineExceeded.Error() || ph.Seconds >= 3600 {
		t.Errorf("hold: %s (%s) after %.1fs", ph.Outcome, ph.Detail, ph.Seconds)
	}
}

// runFake runs the phases of fakeHead+phases on lab, fails the test unless
// they run through with the outcomes want ("connect-1 done,hold-2 done"),
// and returns the runner and its progress output.
func runFake(t *testing.T, lab *fakeLab, phases, want string) (*runner, *lockedBuffer) {
	t.Helper()
	r, out := fakeRunner(t, lab, fakeHead+phases)
	if err := r.runPhases(context.Background(), "teardown follows"); err != nil {
		t.Fatal(err)
	}
	if got := phaseOutcomes(r.phases); strings.Join(got, ",") != want {
		t.Fatalf("phases = %v, want %s", got, want)
	}
	return r, out
}
