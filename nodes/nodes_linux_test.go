package nodes

import (
	"cmp"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netns"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

func startServers(t *testing.T, ns netns.NsHandle, n int, cfg ServerConfig) []*proc {
	var ps []*proc
	for i := 0; i < n; i++ {
		p := startProc(t, ns, "server"+string(rune('0'+i)), "server")
		c := cfg
		p.send(Command{Cmd: CmdStart, Server: &c})
		r := p.wait(EventReady)
		engine := cmp.Or(cfg.Engine, EngineEpoll)
		if engine == EngineAuto {
			engine = EngineEpoll
			if IOUringUsable() == nil {
				engine = EngineIOUring
			}
		}
		if want := "engine " + engine; !strings.Contains(r.Detail, want) {
			t.Fatalf("%s: ready %q does not say %q", p.name, r.Detail, want)
		}
		ps = append(ps, p)
	}
	return ps
}

func startClient(t *testing.T, ns netns.NsHandle, name string, cfg ClientConfig) *proc {
	p := startProc(t, ns, name, "client")
	p.send(Command{Cmd: CmdStart, Client: &cfg})
	p.wait(EventReady)
	return p
}

// connectAll has each client open n connections and waits until every
// one is established on both sides.
func connectAll(t *testing.T, servers, clients []*proc, n int) {
	t.Helper()
	for _, c := range clients {
		c.send(Command{Cmd: CmdConnect, Count: n, Rate: 0, InFlight: testInFlight})
	}
	for _, c := range clients {
		c.wait(EventConnectDone)
	}
	want := int64(n * len(clients))
	eventually(t, "all connections established", func() (bool, string) {
		ok := sum(servers, func(s Stats) int64 { return s.Established }) == want &&
			sum(clients, func(s Stats) int64 { return s.Established }) == want
		return ok, describe(append(servers, clients...))
	})
}

// closeAll sends a close to each proc and returns how many they closed
// (each rounds fraction × its own connections).
func closeAll(t *testing.T, ps []*proc, fraction float64, mode string) int64 {
	t.Helper()
	for _, p := range ps {
		p.send(Command{Cmd: CmdClose, Fraction: fraction, Mode: mode})
	}
	var total int64
	for _, p := range ps {
		r := p.wait(EventCloseDone)
		var n int64
		if _, err := fmt.Sscanf(r.Detail, "%d closed", &n); err != nil {
			t.Fatalf("%s: close-done detail %q: %v", p.name, r.Detail, err)
		}
		total += n
	}
	return total
}

// serverEngines are the engines the server's tests run on: epoll, and
// io_uring where this kernel can set it up (said when it cannot).
func serverEngines(t *testing.T) []string {
	if err := IOUringUsable(); err != nil {
		t.Logf("the io_uring engine is not tested here: %v", err)
		return []string{EngineEpoll}
	}
	return []string{EngineEpoll, EngineIOUring}
}

// TestNodesConnectCloseFinRst, on each engine: in one throwaway namespace (lo carries
// 198.18.0.1-5):
//
//	client0 (198.18.0.2, .3) ─┐            ┌─ server0 ┐ 198.18.0.1
//	client1 (198.18.0.4, .5) ─┴─ ports 5001, 5002 ─┴─ server1 ┘ SO_REUSEPORT
//
// 10,000 connections, each sending one message; then the servers close
// half with FIN and the clients the rest with RST; a second round has
// the clients close half with FIN and the servers the rest with RST.
func TestNodesConnectCloseFinRst(t *testing.T) {
	hostlock.Shared(t)
	for _, engine := range serverEngines(t) {
		t.Run(engine, func(t *testing.T) { connectCloseFinRst(t, engine) })
	}
}

func connectCloseFinRst(t *testing.T, engine string) {
	ns := testNetns(t)
	servers := startServers(t, ns, 2, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001, 5002}, Backlog: 4096, OnData: "discard", Engine: engine})
	mk := func(base int, srcs ...string) ClientConfig {
		return ClientConfig{Sources: srcs, Servers: []string{"198.18.0.1"}, Ports: []int{5001, 5002},
			Message: "hello %d\n", IndexBase: base}
	}
	clients := []*proc{
		startClient(t, ns, "client0", mk(0, "198.18.0.2", "198.18.0.3")),
		startClient(t, ns, "client1", mk(1000000, "198.18.0.4", "198.18.0.5")),
	}
	all := append(append([]*proc{}, servers...), clients...)
	const per = 5000

	// Round 1.
	connectAll(t, servers, clients, per)
	eventually(t, "every message counted once", func() (bool, string) {
		return sum(servers, func(s Stats) int64 { return s.Messages }) == 2*per, describe(servers)
	})
	fin := closeAll(t, servers, 0.5, "fin")
	eventually(t, "server FIN seen by clients", func() (bool, string) {
		return sum(servers, func(s Stats) int64 { return s.ClosedByUs }) == fin &&
			sum(clients, func(s Stats) int64 { return s.ClosedByPeer }) == fin, describe(all)
	})
	rst := closeAll(t, clients, 1, "rst")
	if fin+rst != 2*per {
		t.Fatalf("closed %d with FIN and %d with RST, want %d in all", fin, rst, 2*per)
	}
	eventually(t, "client RST seen by servers", func() (bool, string) {
		return sum(clients, func(s Stats) int64 { return s.ClosedByUs }) == rst &&
			sum(servers, func(s Stats) int64 { return s.ClosedByPeer }) == rst &&
			sum(servers, func(s Stats) int64 { return s.Errors["ECONNRESET"] }) == rst &&
			sum(all, func(s Stats) int64 { return s.Established }) == 0, describe(all)
	})

	// Round 2: the other way round.
	connectAll(t, servers, clients, per)
	fin2 := closeAll(t, clients, 0.5, "fin")
	eventually(t, "client FIN seen by servers", func() (bool, string) {
		return sum(clients, func(s Stats) int64 { return s.ClosedByUs }) == rst+fin2 &&
			sum(servers, func(s Stats) int64 { return s.ClosedByPeer }) == rst+fin2, describe(all)
	})
	rst2 := closeAll(t, servers, 1, "rst")
	eventually(t, "server RST seen by clients", func() (bool, string) {
		return sum(servers, func(s Stats) int64 { return s.ClosedByUs }) == fin+rst2 &&
			sum(clients, func(s Stats) int64 { return s.ClosedByPeer }) == fin+rst2 &&
			sum(clients, func(s Stats) int64 { return s.Errors["ECONNRESET"] }) == rst2 &&
			sum(all, func(s Stats) int64 { return s.Established }) == 0, describe(all)
	})
	if got := sum(servers, func(s Stats) int64 { return s.Messages }); got != 4*per {
		t.Errorf("servers counted %d messages, want exactly %d", got, 4*per)
	}
	for _, p := range all {
		if s, n := p.stats(); n == 0 || s.FDLimit == 0 {
			t.Errorf("%s: stats lines missing or empty (%d lines, last %+v)", p.name, n, s)
		}
	}
	// The lifeline: closing stdin ends every node with status 0.
	for _, p := range all {
		p.stdin.Close()
		select {
		case err := <-p.exited:
			if err != nil {
				t.Errorf("%s: exit after stdin closed: %v", p.name, err)
			}
			p.exited <- nil
		case <-time.After(5 * time.Second):
			t.Errorf("%s did not exit after stdin closed", p.name)
		}
	}
}

// TestClientEMFILE: a client whose fd limit is below what it is asked to
// open counts EMFILE and keeps running.
func TestClientEMFILE(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 1024})
	c := startClient(t, ns, "client", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"},
		Ports: []int{5001}, Message: "x\n", FDLimit: 100})
	c.send(Command{Cmd: CmdConnect, Count: 200, InFlight: testInFlight})
	c.wait(EventConnectDone)
	eventually(t, "EMFILE counted", func() (bool, string) {
		s, _ := c.stats()
		return s.Errors["EMFILE"] > 0 && s.Established > 0, describe([]*proc{c})
	})
	// Still running: it answers a close and a second connect.
	c.send(Command{Cmd: CmdClose, Fraction: 1})
	c.wait(EventCloseDone)
	c.send(Command{Cmd: CmdConnect, Count: 10, InFlight: testInFlight})
	c.wait(EventConnectDone)
	eventually(t, "reconnected after EMFILE", func() (bool, string) {
		s, _ := c.stats()
		return s.Established == 10, describe(append(servers, c))
	})
}

// TestClientEADDRNOTAVAIL: one source, one server port and
// ip_local_port_range 40000-40999 in the test namespace: connects beyond
// the 1,000 ports fail with EADDRNOTAVAIL.
func TestClientEADDRNOTAVAIL(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	if err := inNetns(ns, func() error {
		return os.WriteFile("/proc/sys/net/ipv4/ip_local_port_range", []byte("40000 40999"), 0o644)
	}); err != nil {
		t.Fatalf("failed to narrow the port range in the test namespace: %v", err)
	}
	startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 2048})
	c := startClient(t, ns, "client", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"},
		Ports: []int{5001}})
	c.send(Command{Cmd: CmdConnect, Count: 1100, InFlight: testInFlight})
	r := c.wait(EventConnectDone)
	eventually(t, "EADDRNOTAVAIL counted", func() (bool, string) {
		s, _ := c.stats()
		return s.Errors["EADDRNOTAVAIL"] >= 100 && s.Established == 1000, r.Detail + describe([]*proc{c})
	})
}

// TestClientExplicitPorts: with port_low/port_high the client picks the
// source ports itself (IP_LOCAL_PORT_RANGE of one port): 100 ports give
// exactly 100 connections and the rest fail
// with EADDRNOTAVAIL.
func TestClientExplicitPorts(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 1024})
	c := startClient(t, ns, "client", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"},
		Ports: []int{5001}, Message: "m\n", PortLow: 40100, PortHigh: 40199})
	c.send(Command{Cmd: CmdConnect, Count: 150, InFlight: testInFlight})
	if r := c.wait(EventConnectDone); r.Detail != "100 established, 50 failed" {
		t.Errorf("connect-done %q, want 100 established, 50 failed", r.Detail)
	}
	eventually(t, "100 held, 50 EADDRNOTAVAIL", func() (bool, string) {
		s, _ := c.stats()
		v, _ := servers[0].stats()
		return s.Established == 100 && s.Errors["EADDRNOTAVAIL"] == 50 && v.Messages == 100, describe(append(servers, c))
	})
}

// TestNodesSend, on each engine: a send to a discarding server completes on every
// connection; to an ignoring server (data left in kernel buffers) it
// stalls and send-done still comes, reporting the stalled connections; a
// server's send to its clients completes too.
func TestNodesSend(t *testing.T) {
	hostlock.Shared(t)
	for _, engine := range serverEngines(t) {
		t.Run(engine, func(t *testing.T) { nodesSend(t, engine) })
	}
}

func nodesSend(t *testing.T, engine string) {
	ns := testNetns(t)
	discard := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 1024, Engine: engine})
	ignore := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5002}, Backlog: 1024, OnData: "ignore", Engine: engine})
	cfg := ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}}
	cfg.Ports = []int{5001}
	c1 := startClient(t, ns, "client-discard", cfg)
	cfg.Ports = []int{5002}
	c2 := startClient(t, ns, "client-ignore", cfg)
	for _, c := range []*proc{c1, c2} {
		c.send(Command{Cmd: CmdConnect, Count: 20, InFlight: testInFlight})
		c.wait(EventConnectDone)
	}
	eventually(t, "40 held", func() (bool, string) {
		return sum(append(discard, ignore...), func(s Stats) int64 { return s.Established }) == 40, ""
	})
	const bytes = 1 << 20
	c1.send(Command{Cmd: CmdSend, Bytes: bytes})
	if r := c1.wait(EventSendDone); r.Detail != "20971520 bytes written; 20 conns complete, 0 closed, 0 stalled" {
		t.Errorf("discard: send-done %q", r.Detail)
	}
	eventually(t, "all bytes read", func() (bool, string) {
		s, _ := discard[0].stats()
		return s.BytesIn == 20*bytes, describe(discard)
	})
	// The server's connections wait for EPOLLOUT only once a write
	// blocks (lazyOut): 4 MiB each fills their buffers, and the send
	// still completes on every one.
	const back = 4 << 20
	discard[0].send(Command{Cmd: CmdSend, Bytes: back})
	if r := discard[0].wait(EventSendDone); r.Detail != "83886080 bytes written; 20 conns complete, 0 closed, 0 stalled" {
		t.Errorf("server: send-done %q", r.Detail)
	}
	eventually(t, "the server's bytes read", func() (bool, string) {
		s, _ := c1.stats()
		return s.BytesIn == 20*back, describe([]*proc{c1})
	})
	c2.send(Command{Cmd: CmdSend, Bytes: 64 << 20})
	r := c2.wait(EventSendDone)
	var written, complete, closed, stalled int64
	if _, err := fmt.Sscanf(r.Detail, "%d bytes written; %d conns complete, %d closed, %d stalled", &written, &complete, &closed, &stalled); err != nil {
		t.Fatalf("ignore: send-done %q: %v", r.Detail, err)
	}
	if stalled != 20 || written == 0 {
		t.Errorf("ignore: want 20 stalled connections and some bytes written, got %q", r.Detail)
	}
	if s, _ := ignore[0].stats(); s.BytesIn != 0 {
		t.Errorf("ignoring server read %d bytes", s.BytesIn)
	}
}

// testInFlight is the in-flight cap the tests' connect commands carry (the
// orchestrator always sends one; the nodes have no default).
const testInFlight = 1000
