package nodes

import (
	"fmt"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestSockoptsIPv6: the SOL_IP options the client sets work on an
// AF_INET6 TCP socket on this kernel (lo carries 2001:2::1 and ::2):
// IP_BIND_ADDRESS_NO_PORT defers the port to connect (a bind without it
// takes one at once), a one-port IP_LOCAL_PORT_RANGE makes connect take
// exactly that port, and an address of a prefix routed as local binds
// only with IPV6_FREEBIND (EADDRNOTAVAIL without).
func TestSockoptsIPv6(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	addAddrs6(t, ns, "lo", "2001:2::1/128", "2001:2::2/128")
	addRoute6(t, ns, "2001:2:0:1::/64", "")
	err := inNetns(ns, func() error {
		ln, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(ln)
		if err := unix.Bind(ln, &unix.SockaddrInet6{Addr: netip.MustParseAddr("2001:2::1").As16(), Port: 5001}); err != nil {
			return err
		}
		if err := unix.Listen(ln, 16); err != nil {
			return err
		}
		// Inside inNetns nothing may t.Fatal (its goroutine is not the
		// test's): failures are errors returned or t.Errorf.
		sock := func() int {
			fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Errorf("socket: %v", err)
				return -1
			}
			t.Cleanup(func() { unix.Close(fd) })
			return fd
		}
		localPort := func(fd int) int {
			sa, err := unix.Getsockname(fd)
			if err != nil {
				t.Errorf("getsockname: %v", err)
				return -1
			}
			return sa.(*unix.SockaddrInet6).Port
		}
		src := newSockaddr(netip.MustParseAddr("2001:2::2"), 0)
		dst := newSockaddr(netip.MustParseAddr("2001:2::1"), 5001)

		plain := sock()
		if err := rawBind(plain, &src); err != nil || localPort(plain) == 0 {
			t.Errorf("bind without IP_BIND_ADDRESS_NO_PORT: %v, port %d (want one chosen at bind)", err, localPort(plain))
		}
		fd := sock()
		if err := rawSetsockoptInt(fd, unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1); err != nil {
			return fmt.Errorf("IP_BIND_ADDRESS_NO_PORT on an IPv6 socket: %w", err)
		}
		if v, err := rawGetsockoptInt(fd, unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT); err != nil || v != 1 {
			t.Errorf("IP_BIND_ADDRESS_NO_PORT reads back %d, %v", v, err)
		}
		if err := rawBind(fd, &src); err != nil || localPort(fd) != 0 {
			t.Errorf("bind with IP_BIND_ADDRESS_NO_PORT: %v, port %d (want 0 until connect)", err, localPort(fd))
		}
		if err := rawSetsockoptInt(fd, unix.SOL_IP, unix.IP_LOCAL_PORT_RANGE, 40123|40123<<16); err != nil {
			return fmt.Errorf("IP_LOCAL_PORT_RANGE on an IPv6 socket: %w", err)
		}
		if err := rawConnect(fd, &dst); err != nil {
			return fmt.Errorf("connect from %s to %s: %w", src.String(), dst.String(), err)
		}
		if p := localPort(fd); p != 40123 {
			t.Errorf("connect took port %d, want the one-port IP_LOCAL_PORT_RANGE's 40123", p)
		}

		g, _ := parseSourcePrefix("2001:2:0:1::/64", 1)
		anySrc := newSockaddr(g.addr(0), 0)
		nofree := sock()
		if err := rawBind(nofree, &anySrc); err != unix.EADDRNOTAVAIL {
			t.Errorf("bind to %s of the local route without IPV6_FREEBIND: %v, want EADDRNOTAVAIL", anySrc.String(), err)
		}
		free := sock()
		if err := rawSetsockoptInt(free, unix.SOL_IPV6, unix.IPV6_FREEBIND, 1); err != nil {
			return fmt.Errorf("IPV6_FREEBIND: %w", err)
		}
		if err := rawBind(free, &anySrc); err != nil {
			t.Errorf("bind to %s with IPV6_FREEBIND: %v", anySrc.String(), err)
		}
		if err := rawConnect(free, &dst); err != nil {
			t.Errorf("connect from %s: %v", anySrc.String(), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNodesIPv6: in one throwaway namespace (lo carries 2001:2::1-4):
//
//	client  (2001:2::2, ::3) ─┐
//	                          ├─ [2001:2::1]:5001, 5002 ─ server
//	explicit (2001:2::4)     ─┘   (ports 40100-40199)
//
// 2,000 connections with a message each from the first client, and the
// second choosing its source ports: 100 ports give exactly 100 of 150.
func TestNodesIPv6(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	addAddrs6(t, ns, "lo", "2001:2::1/128", "2001:2::2/128", "2001:2::3/128", "2001:2::4/128")
	servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"2001:2::1"}, Ports: []int{5001, 5002}, Backlog: 4096})
	c := startClient(t, ns, "client", ClientConfig{Sources: []string{"2001:2::2", "2001:2::3"}, Servers: []string{"2001:2::1"},
		Ports: []int{5001, 5002}, Message: "hello %d\n"})
	connectAll(t, servers, []*proc{c}, 2000)
	eventually(t, "every message counted", func() (bool, string) {
		return sum(servers, func(s Stats) int64 { return s.Messages }) == 2000, describe(servers)
	})
	peers := tcpPeers(t, ns, 5001)
	for a, n := range tcpPeers(t, ns, 5002) {
		peers[a] += n
	}
	if peers[netip.MustParseAddr("2001:2::2")] != 1000 || peers[netip.MustParseAddr("2001:2::3")] != 1000 || len(peers) != 2 {
		t.Errorf("the server's peers: %v, want 1000 from each source", peers)
	}

	e := startClient(t, ns, "explicit", ClientConfig{Sources: []string{"2001:2::4"}, Servers: []string{"2001:2::1"},
		Ports: []int{5001}, PortLow: 40100, PortHigh: 40199})
	e.send(Command{Cmd: CmdConnect, Count: 150, InFlight: testInFlight})
	if r := e.wait(EventConnectDone); r.Detail != "100 established, 50 failed" {
		t.Errorf("explicit ports: connect-done %q, want 100 established, 50 failed", r.Detail)
	}
}

// TestNodesDualListen: in one throwaway namespace (lo carries
// 198.18.0.1-5 and 2001:2::1-3):
//
//	client4 (198.18.0.2) ─────────┐
//	client6 (2001:2::2) ──────────┼─ [::]:5001 dual ─ server (listen dual)
//	mixed (198.18.0.3, 2001:2::3) ┴─ 0.0.0.0:5002, [::]:5002 ─ server (listen any)
//
// One dual-stack listener takes an IPv4 and an IPv6 client; a client of
// both families alternates them against per-family wildcards.
func TestNodesDualListen(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	addAddrs6(t, ns, "lo", "2001:2::1/128", "2001:2::2/128", "2001:2::3/128")
	both := []string{"198.18.0.1", "2001:2::1"}
	dual := startServers(t, ns, 1, ServerConfig{Addrs: both, Ports: []int{5001}, Listen: ListenDual})
	anyS := startServers(t, ns, 1, ServerConfig{Addrs: both, Ports: []int{5002}, Listen: ListenAny})
	c4 := startClient(t, ns, "client4", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: both, Ports: []int{5001}})
	c6 := startClient(t, ns, "client6", ClientConfig{Sources: []string{"2001:2::2"}, Servers: both, Ports: []int{5001}})
	connectAll(t, dual, []*proc{c4, c6}, 100)
	peers := tcpPeers(t, ns, 5001)
	mapped := netip.AddrFrom16(netip.MustParseAddr("198.18.0.2").As16())
	if peers[mapped] != 100 || peers[netip.MustParseAddr("2001:2::2")] != 100 || len(peers) != 2 {
		t.Errorf("the dual listener's peers: %v, want 100 from %s and 100 from 2001:2::2", peers, mapped)
	}

	m := startClient(t, ns, "mixed", ClientConfig{Sources: []string{"198.18.0.3", "2001:2::3"}, Servers: both, Ports: []int{5002}})
	connectAll(t, anyS, []*proc{m}, 101)
	peers = tcpPeers(t, ns, 5002)
	if peers[netip.MustParseAddr("198.18.0.3")] != 51 || peers[netip.MustParseAddr("2001:2::3")] != 50 || len(peers) != 2 {
		t.Errorf("the wildcard listeners' peers: %v, want 51 from 198.18.0.3 and 50 from 2001:2::3 (alternating)", peers)
	}
}

// TestNodesAnyIP: two throwaway namespaces joined by a veth:
//
//	client ns: v1 2001:2::2/64, local 2001:2:0:1::/64 on lo
//	   │
//	server ns: v0 2001:2::1/64, 2001:2:0:1::/64 via 2001:2::2
//
// A client with no address of its own but the routed /64 opens 2,000
// connections from 1,000 of its sources (× 2 ports); the server sees
// exactly those 1,000 addresses, twice each.
func TestNodesAnyIP(t *testing.T) {
	hostlock.Shared(t)
	srvNs, cliNs := testNetns(t), testNetns(t)
	vethPair(t, srvNs, cliNs)
	addAddrs6(t, srvNs, "v0", "2001:2::1/64")
	addAddrs6(t, cliNs, "v1", "2001:2::2/64")
	addRoute6(t, cliNs, "2001:2:0:1::/64", "")
	addRoute6(t, srvNs, "2001:2:0:1::/64", "2001:2::2")
	servers := startServers(t, srvNs, 1, ServerConfig{Addrs: []string{"2001:2::1"}, Ports: []int{5001, 5002}, Backlog: 4096})
	cfg := ClientConfig{SourcePrefix: "2001:2:0:1::/64", SourceCount: 1000, Servers: []string{"2001:2::1"}, Ports: []int{5001, 5002}}
	c := startClient(t, cliNs, "client", cfg)
	connectAll(t, servers, []*proc{c}, 2000)
	if s, _ := c.stats(); len(s.Errors) != 0 {
		t.Errorf("client errors: %v", s.Errors)
	}
	peers := tcpPeers(t, srvNs, 5001)
	for a, n := range tcpPeers(t, srvNs, 5002) {
		peers[a] += n
	}
	g, _ := parseSourcePrefix(cfg.SourcePrefix, cfg.SourceCount)
	for i := 0; i < cfg.SourceCount; i++ {
		if a := g.addr(i); peers[a] != 2 {
			t.Errorf("source %d %s: %d connections at the server, want 2", i, a, peers[a])
		}
	}
	if len(peers) != cfg.SourceCount {
		t.Errorf("the server saw %d distinct peers, want %d", len(peers), cfg.SourceCount)
	}
}
