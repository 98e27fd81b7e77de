package nodes

import (
	"fmt"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// protoPair runs a built-in server and client speaking proto in this
// process, inside a fresh namespace, and drives them with cmds: each
// command is given to the client and the loops are polled until the
// client emits the event named beside it.
type protoPair struct {
	t        *testing.T
	srv, cli *Worker
	events   []string
}

// poll runs both loops until cond holds (10 s at most).
func (p *protoPair) poll(what string, cond func() bool) {
	p.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if err := p.cli.Poll(time.Millisecond); err != nil {
			p.t.Fatal(err)
		}
		if err := p.srv.Poll(0); err != nil {
			p.t.Fatal(err)
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: stuck; events %q\nclient %+v\nserver %+v", what, p.events, p.cli.Stats(), p.srv.Stats())
		}
	}
}

// newProtoPair starts, in the calling thread's namespace, a built-in
// server speaking srvProto on 198.18.0.1:port and a client from
// 198.18.0.2 configured by cli (its addresses and port filled in), whose
// events the pair records. end closes both.
func newProtoPair(t *testing.T, port int, srvProto string, cli ClientConfig) (p *protoPair, end func(), err error) {
	return newProtoPairOn(t, "", port, srvProto, cli)
}

// newProtoPairOn is newProtoPair with the server on engine.
func newProtoPairOn(t *testing.T, engine string, port int, srvProto string, cli ClientConfig) (p *protoPair, end func(), err error) {
	srv, err := NewServer(ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{port}, Backlog: 1024, Protocol: srvProto, Engine: engine})
	if err != nil {
		return nil, nil, err
	}
	cli.Sources, cli.Servers, cli.Ports = []string{"198.18.0.2"}, []string{"198.18.0.1"}, []int{port}
	c, err := NewClient(cli)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	p = &protoPair{t: t, srv: srv, cli: c}
	c.OnEvent = func(e, d string) { p.events = append(p.events, e+": "+d) }
	return p, func() { c.Close(); srv.Close() }, nil
}

// do gives the client cmd and polls until it emitted event.
func (p *protoPair) do(cmd Command, event string) string {
	p.t.Helper()
	n := len(p.events)
	if err := p.cli.Do(cmd); err != nil {
		p.t.Fatal(err)
	}
	var got string
	p.poll(cmd.Cmd, func() bool {
		for _, e := range p.events[n:] {
			if len(e) > len(event) && e[:len(event)+1] == event+":" {
				got = e[len(event)+2:]
				return true
			}
		}
		return false
	})
	return got
}

// TestProtocolsEndToEnd, the server on each engine: for every protocol and timed request, the
// built-in client and server over real sockets: every connection makes
// its handshake (connect-done counts them ready), a traffic run is
// answered and timed exactly, keep-alives go out and come back in every
// phase, and nothing is counted as an error.
func TestProtocolsEndToEnd(t *testing.T) {
	hostlock.Shared(t)
	for _, engine := range serverEngines(t) {
		t.Run(engine, func(t *testing.T) { protocolsEndToEnd(t, engine) })
	}
}

func protocolsEndToEnd(t *testing.T, engine string) {
	ns := testNetns(t)
	cases := []struct {
		proto     string
		opt       ProtoOptions
		handshake bool
	}{
		{ProtoWebSocket, ProtoOptions{Request: "ping"}, true},
		{ProtoWebSocket, ProtoOptions{Request: "text", Bytes: 300}, true},
		{ProtoMQTT, ProtoOptions{Request: "ping", ClientID: "c1m-%d"}, true},
		{ProtoMQTT, ProtoOptions{Request: "publish", ClientID: "c1m-%d", Topic: "c1m/%d"}, true},
		{ProtoHTTP, ProtoOptions{Path: "/"}, false},
		{ProtoRedis, ProtoOptions{Request: "ping"}, false},
		{ProtoMemcached, ProtoOptions{Request: "mn"}, false},
		{ProtoMemcached, ProtoOptions{Request: "version"}, false},
		{ProtoMemcached, ProtoOptions{Request: "mg"}, true},
		{ProtoLine, ProtoOptions{}, false},
	}
	for i, tc := range cases {
		t.Run(tc.proto+"-"+tc.opt.Request, func(t *testing.T) {
			const conns = 40
			port := 5100 + i
			err := inNetns(ns, func() error {
				opt := tc.opt
				opt.KeepAlive = 200 * time.Millisecond
				p, end, err := newProtoPairOn(t, engine, port, tc.proto, ClientConfig{IndexBase: 1000 * i, Protocol: tc.proto, ProtoOptions: opt})
				if err != nil {
					return err
				}
				defer end()
				srv, cli := p.srv, p.cli

				got := p.do(Command{Cmd: CmdConnect, Count: conns, InFlight: testInFlight}, EventConnectDone)
				if want := fmt.Sprintf("%d established and ready (handshake done), 0 failed", conns); got != want {
					t.Errorf("connect-done %q, want %q", got, want)
				}
				if s := cli.Stats(); s.Ready != conns {
					t.Errorf("ready %d, want %d", s.Ready, conns)
				}
				if hs := cli.hsHist.Count(); tc.handshake && hs != conns || !tc.handshake && hs != 0 {
					t.Errorf("%d handshakes timed, want %d", hs, map[bool]int{true: conns}[tc.handshake])
				}

				const k = 5 // interval 100 ms over 500 ms
				got = p.do(Command{Cmd: CmdTraffic, Bytes: 64, Interval: 100 * time.Millisecond, Duration: 500 * time.Millisecond, Fraction: 1}, EventTrafficDone)
				if want := fmt.Sprintf("%d asked, %d sent, %d answered; %d of %d connections still in the run", k*conns, k*conns, k*conns, conns, conns); got != want {
					t.Errorf("traffic-done %q, want %q", got, want)
				}
				if n := cli.rttHist.Count(); n != k*conns {
					t.Errorf("%d round trips timed, want %d", n, k*conns)
				}
				// Keep-alives, outside any traffic run: each is answered.
				start := cli.Stats()
				p.poll("keep-alives", func() bool {
					s := cli.Stats()
					return s.KeepSent >= start.KeepSent+2*conns && s.KeepAnswered >= s.KeepSent-conns
				})
				s := cli.Stats()
				if len(s.Errors) != 0 || len(srv.Stats().Errors) != 0 {
					t.Errorf("errors: client %v, server %v", s.Errors, srv.Stats().Errors)
				}
				if tc.proto == ProtoHTTP && s.Statuses["2xx"] < k*conns {
					t.Errorf("statuses %v, want at least %d 2xx", s.Statuses, k*conns)
				}
				t.Logf("handshake %v; rtt %v; keep-alives %d sent, %d answered", cli.hsHist.Percentiles(), cli.rttHist.Percentiles(), s.KeepSent, s.KeepAnswered)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestReconnectAfterReset: with reconnect on, every connection the
// server resets comes back after its backoff, its handshake included;
// connections the client closes itself do not.
func TestReconnectAfterReset(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	for i, tc := range []struct {
		proto, policy string
		jitter        bool
	}{{ProtoEcho, ReconnectFixed, false}, {ProtoWebSocket, ReconnectExponential, true}, {ProtoMQTT, ReconnectFixed, true}} {
		t.Run(tc.proto+"-"+tc.policy, func(t *testing.T) {
			const conns = 50
			port := 5200 + i
			err := inNetns(ns, func() error {
				p, end, err := newProtoPair(t, port, tc.proto, ClientConfig{Protocol: tc.proto, ProtoOptions: ProtoOptions{ClientID: "c1m-%d"},
					Reconnect: tc.policy, ReconnectDelay: 50 * time.Millisecond, ReconnectMaxDelay: 400 * time.Millisecond, ReconnectJitter: tc.jitter})
				if err != nil {
					return err
				}
				defer end()
				srv, cli := p.srv, p.cli
				p.do(Command{Cmd: CmdConnect, Count: conns, InFlight: testInFlight}, EventConnectDone)
				p.poll("server accepted all", func() bool { return srv.Stats().Established == conns })
				hs := cli.hsHist.Count()
				// The server "restarts": every connection reset at once.
				if err := srv.Do(Command{Cmd: CmdClose, Fraction: 1, Mode: "rst"}); err != nil {
					return err
				}
				p.poll("every connection back", func() bool {
					s := cli.Stats()
					return s.Reconnected == conns && s.Established == conns && srv.Stats().Established == conns
				})
				s := cli.Stats()
				if s.Reconnects < conns || s.ReconnectsPending != 0 {
					t.Errorf("reconnects %d started, %d pending; want >= %d and 0", s.Reconnects, s.ReconnectsPending, conns)
				}
				if tc.proto != ProtoEcho && cli.hsHist.Count() != hs+conns {
					t.Errorf("%d handshakes timed after the reconnects, want %d", cli.hsHist.Count(), hs+conns)
				}
				if tc.proto != ProtoEcho && s.Ready != conns {
					t.Errorf("ready %d, want %d", s.Ready, conns)
				}
				// A close by the client is not reconnected.
				p.do(Command{Cmd: CmdClose, Fraction: 1}, EventCloseDone)
				deadline := time.Now().Add(300 * time.Millisecond)
				p.poll("quiet after the client's close", func() bool { return time.Now().After(deadline) })
				if s := cli.Stats(); s.Established != 0 || s.ReconnectsPending != 0 {
					t.Errorf("after the client's own close: %d established, %d pending reconnects; want none", s.Established, s.ReconnectsPending)
				}
				t.Logf("reconnects %d, back %d; errors %v", s.Reconnects, s.Reconnected, s.Errors)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCloseWaitsForRequestInFlight: a close command does not close a
// protocol connection whose request is in flight (its reply would meet a
// closed socket and reset the server's end): it closes when the reply is
// in, and at the latest closeDrain after the last close was issued.
func TestCloseWaitsForRequestInFlight(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	err := inNetns(ns, func() error {
		p, end, err := newProtoPair(t, 5310, ProtoRedis, ClientConfig{Protocol: ProtoRedis})
		if err != nil {
			return err
		}
		defer end()
		cli := p.cli
		p.do(Command{Cmd: CmdConnect, Count: 20, InFlight: testInFlight}, EventConnectDone)
		// Half the connections look as if a keep-alive were out (no reply
		// will come): their close waits for the drain.
		waiting := 0
		for fd := range cli.conns {
			if c := &cli.conns[fd]; c.state == stOpen && waiting < 10 {
				c.pb |= pbWaiting
				waiting++
			}
		}
		begin := time.Now()
		if err := cli.Do(Command{Cmd: CmdClose, Fraction: 1}); err != nil {
			return err
		}
		p.poll("the others closed", func() bool { return cli.Stats().Established == 10 })
		p.poll("close-done", func() bool {
			return len(p.events) > 0 && p.events[len(p.events)-1] == EventCloseDone+": 20 closed"
		})
		if d := time.Since(begin); d < closeDrain {
			t.Errorf("close-done after %v: the closes waiting for a reply were forced before closeDrain (%v)", d, closeDrain)
		}
		if s := cli.Stats(); s.Established != 0 {
			t.Errorf("%d still established after close-done", s.Established)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReconnectBacksOffRefusedHandshakes: a server that takes the TCP
// connection but refuses the handshake (here an http server answering a
// websocket upgrade with 200) makes an exponential reconnect back off
// further each time, as a refused connect does, instead of retrying at
// the first delay for ever.
func TestReconnectBacksOffRefusedHandshakes(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	const conns = 10
	err := inNetns(ns, func() error {
		p, end, err := newProtoPair(t, 5320, ProtoHTTP, ClientConfig{Protocol: ProtoWebSocket, Reconnect: ReconnectExponential,
			ReconnectDelay: 10 * time.Millisecond, ReconnectMaxDelay: 320 * time.Millisecond})
		if err != nil {
			return err
		}
		defer end()
		cli := p.cli
		got := p.do(Command{Cmd: CmdConnect, Count: conns, InFlight: testInFlight}, EventConnectDone)
		if got != fmt.Sprintf("0 established and ready (handshake done), %d failed", conns) {
			t.Errorf("connect-done %q, want every handshake refused", got)
		}
		// The first attempt failed at once; the reconnects wait 10, 20,
		// 40, 80, 160, 320, 320 ms … : about 7 each in 1.2 s (a backoff
		// that restarted every time would make about 100).
		deadline := time.Now().Add(1200 * time.Millisecond)
		p.poll("backing off", func() bool { return time.Now().After(deadline) })
		s := cli.Stats()
		if s.Reconnects < 3*conns || s.Reconnects > 12*conns {
			t.Errorf("%d reconnects of %d connections in 1.2 s, want about 7 each (10 ms doubling to 320 ms)", s.Reconnects, conns)
		}
		if s.Errors["http-200"] == 0 || s.Reconnected != 0 {
			t.Errorf("errors %v, reconnected %d: want refusals and none back", s.Errors, s.Reconnected)
		}
		t.Logf("%d reconnects, errors %v", s.Reconnects, s.Errors)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
