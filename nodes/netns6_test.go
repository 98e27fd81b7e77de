package nodes

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// addAddrs6 puts IPv6 addresses (each with its prefix length, from
// 2001:2::/48) on link name of ns with IFA_F_NODAD, so that they are
// usable at once instead of tentative for a second.
func addAddrs6(t testing.TB, ns netns.NsHandle, name string, prefixes ...string) {
	t.Helper()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatalf("failed to open netlink in the test namespace: %v", err)
	}
	defer h.Close()
	link, err := h.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range prefixes {
		p := netip.MustParsePrefix(s)
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 128)}, Flags: unix.IFA_F_NODAD}
		if err := h.AddrAdd(link, addr); err != nil {
			t.Fatalf("failed to add %s to %s: %v", s, name, err)
		}
	}
}

// vethPair joins namespaces a and b with a veth link, "v0" in a and "v1"
// in b (the names are per namespace), both up. Deleting either namespace
// deletes the pair.
func vethPair(t testing.TB, a, b netns.NsHandle) {
	t.Helper()
	h, err := netlink.NewHandleAt(a)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "v0"}, PeerName: "v1", PeerNamespace: netlink.NsFd(int(b))}
	if err := h.LinkAdd(veth); err != nil {
		t.Fatalf("failed to add a veth pair between the test namespaces: %v", err)
	}
	for _, x := range []struct {
		ns   netns.NsHandle
		name string
	}{{a, "v0"}, {b, "v1"}} {
		hx, err := netlink.NewHandleAt(x.ns)
		if err != nil {
			t.Fatal(err)
		}
		l, err := hx.LinkByName(x.name)
		if err == nil {
			err = hx.LinkSetUp(l)
		}
		hx.Close()
		if err != nil {
			t.Fatalf("failed to set %s up: %v", x.name, err)
		}
	}
}

// addRoute6 adds dst via gw (type unicast) or, with gw "" , dst as local
// on lo (ip -6 route add local dst dev lo) in ns.
func addRoute6(t testing.TB, ns netns.NsHandle, dst, gw string) {
	t.Helper()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p := netip.MustParsePrefix(dst)
	r := &netlink.Route{Dst: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 128)}}
	if gw != "" {
		r.Gw = net.ParseIP(gw)
	} else {
		lo, err := h.LinkByName("lo")
		if err != nil {
			t.Fatal(err)
		}
		r.LinkIndex, r.Type, r.Table = lo.Attrs().Index, unix.RTN_LOCAL, unix.RT_TABLE_LOCAL
	}
	if err := h.RouteAdd(r); err != nil {
		t.Fatalf("failed to add route %s (gateway %q): %v", dst, gw, err)
	}
}

// tcpPeers counts the established TCP sockets of ns whose local port is
// port, by peer address (an IPv4 peer of an IPv6 socket is IPv4-mapped),
// from /proc/thread-self/net/tcp and tcp6 read inside ns.
func tcpPeers(t testing.TB, ns netns.NsHandle, port int) map[netip.Addr]int {
	t.Helper()
	peers := map[netip.Addr]int{}
	err := inNetns(ns, func() error {
		for _, f := range []string{"tcp", "tcp6"} {
			file, err := os.Open("/proc/thread-self/net/" + f)
			if err != nil {
				return err
			}
			sc := bufio.NewScanner(file)
			for sc.Scan() {
				fs := strings.Fields(sc.Text())
				if len(fs) < 4 || fs[3] != "01" { // TCP_ESTABLISHED
					continue
				}
				_, lport, _ := strings.Cut(fs[1], ":")
				if p, _ := strconv.ParseUint(lport, 16, 16); int(p) != port {
					continue
				}
				raddr, _, _ := strings.Cut(fs[2], ":")
				a, err := procAddr(raddr)
				if err != nil {
					file.Close()
					return err
				}
				peers[a]++
			}
			file.Close()
			if err := sc.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("failed to read the test namespace's TCP sockets: %v", err)
	}
	return peers
}

// procAddr decodes /proc/net/tcp{,6}'s address: 32-bit words in host order.
func procAddr(s string) (netip.Addr, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 && len(b) != 16 {
		return netip.Addr{}, fmt.Errorf("bad address %q in /proc/net/tcp", s)
	}
	for i := 0; i < len(b); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(b[i:]))
	}
	a, _ := netip.AddrFromSlice(b)
	return a, nil
}
