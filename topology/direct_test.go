package topology

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestTopologyDirectConntrack builds
//
//	c1m-<id>-c1 (8 addresses) <-veth-> c1m-<id>-srv (conntrack rule, on-link client block)
//
// dials the server once from every client address and checks that the
// server namespace tracked each connection (nf_conntrack_count) and
// resolved one neighbour entry per client address (/proc/net/arp).
func TestTopologyDirectConntrack(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	if _, err := os.Stat("/proc/sys/net/netfilter/nf_conntrack_max"); err != nil {
		t.Skip("skipping: this kernel has no conntrack")
	}
	topo := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 8, ServerAddresses: 1, Conntrack: true, DirectRoutes: true})
	ln := acceptInServer(t, topo)
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for _, local := range topo.Clients[0].Addrs {
		err := Do(topo.Clients[0].Name, func() error {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: local.AsSlice()}}
			c, err := d.Dial("tcp", ln.Addr().String())
			if err == nil {
				conns = append(conns, c)
			}
			return err
		})
		if err != nil {
			t.Fatalf("dial from %s: %v", local, err)
		}
	}
	v, err := ReadSysctlIn(topo.Server.Name, "net.netfilter.nf_conntrack_count")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(v); n < len(conns) {
		t.Errorf("nf_conntrack_count in the server namespace = %s, want at least %d (one per connection)", v, len(conns))
	}
	var arp string
	err = Do(topo.Server.Name, func() error {
		b, err := os.ReadFile("/proc/thread-self/net/arp")
		arp = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range topo.Clients[0].Addrs {
		if !strings.Contains(arp, a.String()+" ") {
			t.Errorf("no neighbour entry for client address %s in the server namespace:\n%s", a, arp)
		}
	}
}

func TestResolveRelative(t *testing.T) {
	files, err := filesAllocated()
	if err != nil {
		t.Skip(err)
	}
	got, err := resolveRelative("fs.file-max", "+1000")
	if err != nil {
		t.Fatal(err)
	}
	// Other tests open and close files meanwhile: allow the count to have
	// fallen by a few hundred between the two readings.
	if n, _ := strconv.ParseInt(got, 10, 64); n < files+1000-300 || n > files+1000+100000 {
		t.Errorf("resolveRelative(fs.file-max, +1000) = %s, want about %d", got, files+1000)
	}
	if got, _ := resolveRelative("net.ipv4.tcp_mem", "1 2 3"); got != "1 2 3" {
		t.Errorf("an absolute value changed: %q", got)
	}
	if _, err := resolveRelative("fs.file-max", "+x"); err == nil {
		t.Error("resolveRelative(fs.file-max, +x) succeeded")
	}
}
