package topology

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/internal/layout"
	"golang.org/x/sys/unix"
)

// echoListeners listens on every address of the server namespace at port
// and echoes; it returns the listeners' addresses.
func echoListeners(t *testing.T, topo *Topology, port int) []netip.AddrPort {
	t.Helper()
	var out []netip.AddrPort
	for _, a := range topo.Server.Addrs {
		ap := netip.AddrPortFrom(a, uint16(port))
		var ln net.Listener
		if err := Do(topo.Server.Name, func() (err error) {
			ln, err = net.Listen("tcp", ap.String())
			return err
		}); err != nil {
			t.Fatalf("listen on %s: %v", ap, err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { io.Copy(c, c); c.Close() }()
			}
		}()
		out = append(out, ap)
	}
	return out
}

// dialEcho connects from local (with IP_FREEBIND when freebind) to dst
// inside namespace ns and checks one echoed message.
func dialEcho(ns string, local netip.Addr, dst netip.AddrPort, freebind bool) error {
	return Do(ns, func() error {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: local.AsSlice()}, Timeout: 5 * time.Second}
		if freebind {
			d.Control = func(_, _ string, c syscall.RawConn) error {
				var serr error
				err := c.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_IP, unix.IP_FREEBIND, 1) })
				if err != nil {
					return err
				}
				return serr
			}
		}
		c, err := d.Dial("tcp", dst.String())
		if err != nil {
			return fmt.Errorf("%s -> %s: %w", local, dst, err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("v6?")); err != nil {
			return err
		}
		b := make([]byte, 3)
		if _, err := io.ReadFull(c, b); err != nil {
			return fmt.Errorf("%s -> %s: echo: %w", local, dst, err)
		}
		return nil
	})
}

// TestTopologyIPv6 builds IPv6 and dual-stack topologies and connects from
// every client address to every server address of its family; every
// address is inside the benchmarking ranges and usable at once (no
// duplicate address detection), and nothing is left afterwards.
func TestTopologyIPv6(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	for _, fam := range []Family{IPv6, Dual} {
		t.Run(string(fam), func(t *testing.T) {
			topo := buildForTest(t, Spec{Family: fam, ClientNamespaces: 2, ClientAddresses: 3, ServerAddresses: 2})
			want := 2
			if fam == Dual {
				want = 4
			}
			if len(topo.Server.Addrs) != want || len(topo.Clients[1].Addrs) != 3*want/2 {
				t.Fatalf("addresses: server %v, client %v", topo.Server.Addrs, topo.Clients[1].Addrs)
			}
			dsts := echoListeners(t, topo, 5001)
			for _, cl := range topo.Clients {
				for _, local := range cl.Addrs {
					if !(layout.DefaultSubnet.Contains(local) || layout.DefaultSubnet6.Contains(local)) {
						t.Fatalf("address %s outside the benchmarking ranges", local)
					}
					for _, dst := range dsts {
						if dst.Addr().Is4() != local.Is4() {
							continue
						}
						if err := dialEcho(cl.Name, local, dst, false); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			out, err := exec.Command("ip", "-n", topo.Clients[0].Name, "-6", "addr", "show", "tentative").CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "" {
				t.Errorf("tentative addresses in %s (%v):\n%s", topo.Clients[0].Name, err, out)
			}
		})
	}
}

// TestTopologyAnyIP: a client namespace with its /64 routed as local
// binds sources anywhere in it (IP_FREEBIND) and reaches the server, whose
// neighbour table holds the link's gateway, not one entry per source.
func TestTopologyAnyIP(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{Family: IPv6, AnyIP: true, ClientNamespaces: 1, ClientAddresses: 1000, ServerAddresses: 1})
	cl := topo.Clients[0]
	if len(cl.Addrs) != 1 || !cl.SourcePrefix.IsValid() || cl.SourcePrefix.Bits() != 64 || !cl.SourcePrefix.Contains(cl.Addrs[0]) {
		t.Fatalf("AnyIP client: addresses %v, prefix %s", cl.Addrs, cl.SourcePrefix)
	}
	dst := echoListeners(t, topo, 5002)[0]
	const sources = 200
	for i := range sources {
		b := cl.SourcePrefix.Addr().As16()
		for j := 8; j < 16; j++ {
			b[j] = byte(rand.Uint32())
		}
		src := netip.AddrFrom16(b)
		if err := dialEcho(cl.Name, src, dst, true); err != nil {
			t.Fatalf("source %d: %v", i, err)
		}
	}
	out, err := exec.Command("ip", "-n", topo.Server.Name, "-6", "neigh", "show").CombinedOutput()
	if err != nil {
		t.Fatalf("ip neigh: %v %s", err, out)
	}
	if n := len(strings.Split(strings.TrimSpace(string(out)), "\n")); n > 2 {
		t.Errorf("server neighbour table holds %d entries after %d AnyIP sources, want at most 2 (the gateway):\n%s", n, sources, out)
	}
}
