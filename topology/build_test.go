package topology

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestTopologyBuildConnect builds
//
//	c1m-<id>-c1..c3 (4 addresses each) <-veth-> c1m-<id>-srv (2 addresses, 2 ports)
//
// and opens a TCP connection from every client address to every server
// address and port, then checks the per-namespace sysctls and that the
// host's own values did not move.
func TestTopologyBuildConnect(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	srvSysctls := map[string]string{"net.core.somaxconn": "8191", "net.ipv4.tcp_rmem": "4096 65536 1048577"}
	cliSysctls := map[string]string{"net.ipv4.ip_local_port_range": "20001 60999", "net.ipv4.tcp_rmem": "4096 32768 524287"}
	hostBefore := readAll(t, "", srvSysctls, cliSysctls)

	topo := buildForTest(t, Spec{ClientNamespaces: 3, ClientAddresses: 4, ServerAddresses: 2,
		ServerSysctls: srvSysctls, ClientSysctls: cliSysctls})
	if len(topo.Clients) != 3 || len(topo.Server.Addrs) != 2 || len(topo.Clients[0].Addrs) != 4 {
		t.Fatalf("topology shape: %+v", topo)
	}

	// Listeners in the server namespace: sockets belong to the namespace
	// of the thread that creates them.
	var lns []net.Listener
	for _, a := range topo.Server.Addrs {
		for _, port := range []int{5001, 5002} {
			err := Do(topo.Server.Name, func() error {
				ln, err := net.Listen("tcp", netip.AddrPortFrom(a, uint16(port)).String())
				lns = append(lns, ln)
				return err
			})
			if err != nil {
				t.Fatalf("listen: %v", err)
			}
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := map[string]int{}
	for _, ln := range lns {
		t.Cleanup(func() { ln.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				ap := netip.MustParseAddrPort(c.RemoteAddr().String())
				mu.Lock()
				accepted[ap.Addr().String()]++
				mu.Unlock()
				go func() { io.Copy(c, c); c.Close() }()
			}
		}()
	}

	dials := 0
	for _, cl := range topo.Clients {
		for _, local := range cl.Addrs {
			for _, ln := range lns {
				err := Do(cl.Name, func() error {
					d := net.Dialer{LocalAddr: &net.TCPAddr{IP: local.AsSlice()}}
					c, err := d.Dial("tcp", ln.Addr().String())
					if err != nil {
						return err
					}
					defer c.Close()
					if _, err := c.Write([]byte("ping")); err != nil {
						return err
					}
					buf := make([]byte, 4)
					if _, err := io.ReadFull(c, buf); err != nil {
						return fmt.Errorf("echo: %w", err)
					}
					return nil
				})
				if err != nil {
					t.Errorf("dial %s -> %s in %s: %v", local, ln.Addr(), cl.Name, err)
				}
				dials++
			}
		}
	}
	for _, ln := range lns {
		ln.Close()
	}
	wg.Wait()
	total := 0
	for _, cl := range topo.Clients {
		for _, a := range cl.Addrs {
			if got := accepted[a.String()]; got != len(lns) {
				t.Errorf("server accepted %d connections from %s, want %d", got, a, len(lns))
			}
			total += accepted[a.String()]
		}
	}
	if dials != 3*4*4 || total != dials {
		t.Errorf("dials %d, accepted %d, want %d", dials, total, 3*4*4)
	}

	for k, v := range srvSysctls {
		if got, err := ReadSysctlIn(topo.Server.Name, k); err != nil || got != normalize(v) {
			t.Errorf("server %s = %q (%v), want %q", k, got, err, v)
		}
	}
	for _, cl := range topo.Clients {
		for k, v := range cliSysctls {
			if got, err := ReadSysctlIn(cl.Name, k); err != nil || got != normalize(v) {
				t.Errorf("%s %s = %q (%v), want %q", cl.Name, k, got, err, v)
			}
		}
	}
	hostAfter := readAll(t, "", srvSysctls, cliSysctls)
	for k, v := range hostBefore {
		if hostAfter[k] != v {
			t.Errorf("host %s changed from %q to %q", k, v, hostAfter[k])
		}
	}
}

// readAll reads every key of the maps in the host namespace.
func readAll(t *testing.T, _ string, maps ...map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range maps {
		for k := range m {
			v, err := ReadSysctl(k)
			if err != nil {
				t.Fatal(err)
			}
			out[k] = v
		}
	}
	return out
}
