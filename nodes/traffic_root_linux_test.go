package nodes

import (
	"fmt"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// waitAll waits for every event of names, in any order.
func (p *proc) waitAll(names ...string) map[string]Report {
	p.t.Helper()
	got := map[string]Report{}
	for len(got) < len(names) {
		select {
		case r := <-p.events:
			want := false
			for _, n := range names {
				want = want || r.Event == n
			}
			if !want {
				p.t.Fatalf("%s: got event %s (%s), want %v", p.name, r.Event, r.Detail, names)
			}
			got[r.Event] = r
		case <-time.After(30 * time.Second):
			p.t.Fatalf("%s: events %v not all within 30 s (got %v)", p.name, names, got)
		}
	}
	return got
}

// TestConnectLatencyRecorded: every connect that completes is recorded in
// the client's connect histogram, unpaced and paced, and the histogram
// reaches the orchestrator over the protocol.
func TestConnectLatencyRecorded(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001, 5002}, Backlog: 4096})
	c := startClient(t, ns, "client", ClientConfig{Sources: testAddrs[1:3], Servers: []string{"198.18.0.1"}, Ports: []int{5001, 5002}})
	for _, step := range []struct {
		count, rate int
		total       int64
	}{{3000, 0, 3000}, {500, 2000, 3500}} {
		c.send(Command{Cmd: CmdConnect, Count: step.count, Rate: step.rate, InFlight: testInFlight})
		if r := c.wait(EventConnectDone); r.Detail != fmt.Sprintf("%d established, 0 failed", step.count) {
			t.Fatalf("connect-done %q", r.Detail)
		}
		eventually(t, "every connect in the histogram", func() (bool, string) {
			s, _ := c.stats()
			h, _ := c.hists()
			return s.Connected == step.total && h.Count() == uint64(step.total),
				fmt.Sprintf("connected %d, histogram %d", s.Connected, h.Count()) + describe(append(servers, c))
		})
	}
	h, _ := c.hists()
	p := h.Percentiles()
	t.Logf("connect latency over lo: %+v", p)
	if h.Min() <= 0 || h.Max() > 5*time.Second {
		t.Errorf("connect latency %v..%v: want > 0 and well under 5 s on lo", h.Min(), h.Max())
	}
}

// TestTrafficEchoExact: N connections × k messages through an echoing
// server give exactly N × k messages asked, sent and answered, and as many
// round trips; a second run with a fraction and another size too.
func TestTrafficEchoExact(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	servers := startServers(t, ns, 2, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001, 5002}, Backlog: 4096, OnData: "echo"})
	mk := func(srcs ...string) ClientConfig {
		return ClientConfig{Sources: srcs, Servers: []string{"198.18.0.1"}, Ports: []int{5001, 5002}}
	}
	clients := []*proc{startClient(t, ns, "client0", mk("198.18.0.2")), startClient(t, ns, "client1", mk("198.18.0.3"))}
	const n = 200
	connectAll(t, servers, clients, n)
	var total int64
	for _, run := range []struct {
		bytes    int64
		fraction float64
		conns    int64
	}{{64, 1, n}, {1000, 0.5, n / 2}} {
		const k = 10 // interval 100 ms over a duration of 1 s
		for _, c := range clients {
			c.send(Command{Cmd: CmdTraffic, Bytes: run.bytes, Interval: 100 * time.Millisecond, Duration: time.Second, Fraction: run.fraction})
		}
		want := fmt.Sprintf("%d asked, %d sent, %d answered; %d of %d connections still in the run", k*run.conns, k*run.conns, k*run.conns, run.conns, run.conns)
		for _, c := range clients {
			if r := c.wait(EventTrafficDone); r.Detail != want {
				t.Errorf("%s: traffic-done %q, want %q", c.name, r.Detail, want)
			}
		}
		total += k * run.conns
		for _, c := range clients {
			eventually(t, "every message answered and timed", func() (bool, string) {
				s, _ := c.stats()
				_, rtt := c.hists()
				return s.MsgAsked == total && s.MsgSent == total && s.MsgAnswered == total && rtt.Count() == uint64(total),
					fmt.Sprintf("want %d, rtt count %d", total, rtt.Count()) + describe([]*proc{c})
			})
		}
	}
	for _, c := range clients {
		s, _ := c.stats()
		_, rtt := c.hists()
		t.Logf("%s: rtt %+v, errors %v", c.name, rtt.Percentiles(), s.Errors)
		if len(s.Errors) != 0 {
			t.Errorf("%s: errors %v", c.name, s.Errors)
		}
	}
	eventually(t, "servers echoed every byte", func() (bool, string) {
		in := sum(servers, func(s Stats) int64 { return s.BytesIn })
		out := sum(servers, func(s Stats) int64 { return s.BytesOut })
		return in == out && in == 2*(10*n*64+10*n/2*1000), describe(servers)
	})
}

// TestTrafficLateSend: a client loop that stalls sends late, and the late
// sends are timed from their intended time: the round trips recorded
// reach the stall (a floor; nothing here bounds them from above).
func TestTrafficLateSend(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	const conns = 10
	const stall = 300 * time.Millisecond
	err := inNetns(ns, func() error {
		srv, err := NewServer(ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 128, OnData: "echo"})
		if err != nil {
			return err
		}
		defer srv.Close()
		cli, err := NewClient(ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
		if err != nil {
			return err
		}
		defer cli.Close()
		var events []string
		cli.OnEvent = func(e, d string) { events = append(events, e+": "+d) }
		poll := func(until func() bool) error {
			for deadline := time.Now().Add(10 * time.Second); !until(); {
				if err := cli.Poll(time.Millisecond); err != nil {
					return err
				}
				if err := srv.Poll(0); err != nil {
					return err
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("stuck: events %q\nclient %+v\nserver %+v", events, cli.Stats(), srv.Stats())
				}
			}
			return nil
		}
		if err := cli.Do(Command{Cmd: CmdConnect, Count: conns, InFlight: testInFlight}); err != nil {
			return err
		}
		if err := poll(func() bool { return len(events) == 1 && srv.st.Established == conns }); err != nil {
			return err
		}
		// Connection i sends at i × 100 ms. Send 0 goes out at once (its
		// echo waits for the stalled loop too); then the loop sleeps, so
		// sends 1 and 2, due at 100 and 200 ms, leave at >= 300 ms. Timed
		// from the write they would take microseconds, like sends 3 to 9.
		if err := cli.Do(Command{Cmd: CmdTraffic, Bytes: 16, Interval: time.Second, Duration: time.Second, Fraction: 1}); err != nil {
			return err
		}
		time.Sleep(stall)
		if err := poll(func() bool { return len(events) == 2 }); err != nil {
			return err
		}
		h := cli.rttHist
		// Floors less the histogram's precision (1/128).
		floor := func(d time.Duration) time.Duration { return d - d/100 }
		if h.Count() != conns || h.ValueAt(0.8) < floor(stall-200*time.Millisecond) ||
			h.ValueAt(0.9) < floor(stall-100*time.Millisecond) || h.Max() < floor(stall) {
			return fmt.Errorf("rtt: %d recorded, 8th %v, 9th %v, max %v: want %d, the stalled sends timed from their intended time (>= 100, 200, 300 ms)",
				h.Count(), h.ValueAt(0.8), h.ValueAt(0.9), h.Max(), conns)
		}
		t.Logf("events %q; rtt %+v", events, h.Percentiles())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTrafficCloseAndStop: a close of every connection ends a traffic run
// at once (traffic-done, nothing left to answer); a stop during a run
// ends the node with status 0.
func TestTrafficCloseAndStop(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 1024, OnData: "echo"})
	cfg := ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}}
	c1 := startClient(t, ns, "client-close", cfg)
	cfg.Sources = []string{"198.18.0.3"}
	c2 := startClient(t, ns, "client-stop", cfg)
	connectAll(t, servers, []*proc{c1, c2}, 100)
	long := Command{Cmd: CmdTraffic, Bytes: 64, Interval: 50 * time.Millisecond, Duration: time.Minute, Fraction: 1}
	c1.send(long)
	c2.send(long)
	eventually(t, "traffic flowing", func() (bool, string) {
		s1, _ := c1.stats()
		s2, _ := c2.stats()
		return s1.MsgAnswered > 200 && s2.MsgAnswered > 200, describe([]*proc{c1, c2})
	})
	begin := time.Now()
	c1.send(Command{Cmd: CmdClose, Fraction: 1})
	got := c1.waitAll(EventCloseDone, EventTrafficDone)
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("traffic-done %v after the close, want at once", d)
	}
	t.Logf("after close: %s", got[EventTrafficDone].Detail)
	c1.send(long)
	if r := c1.wait(EventTrafficDone); r.Detail != "0 asked, 0 sent, 0 answered; 0 of 0 connections still in the run" {
		t.Errorf("traffic without connections: %q", r.Detail)
	}
	c2.send(Command{Cmd: CmdStop})
	select {
	case err := <-c2.exited:
		if err != nil {
			t.Errorf("stop during traffic: %v", err)
		}
		c2.exited <- nil
	case <-time.After(5 * time.Second):
		t.Error("a stop during traffic did not end the node")
	}
}
