package layout

import (
	"fmt"
	"net/netip"
)

// DefaultSubnet6 is the IPv6 benchmarking prefix (RFC 5180), the one
// declaration of the range every lab's IPv6 addresses come from unless its
// scenario narrows it.
var DefaultSubnet6 = netip.MustParsePrefix("2001:2::/48")

// MaxAddresses6 is the most addresses a /64 block is given one by one
// (server addresses, or client addresses per namespace); AnyIP sources
// are not added and not bounded by it.
const MaxAddresses6 = 1 << 17

// Spec6 is what an IPv6 layout is computed from.
type Spec6 struct {
	// ClientNamespaces, ClientAddresses (per client namespace) and
	// ServerAddresses are at least 1 each.
	ClientNamespaces, ClientAddresses, ServerAddresses int
	// Subnet is the IPv6 range everything is taken from: a /64 per
	// namespace, so it is at most a /63.
	Subnet netip.Prefix
}

// Layout6 is where every IPv6 address of a topology is. The subnet is cut
// into /64s: the first holds the server addresses (::1 up), and client
// namespace i (1-based) takes the i-th /64 after it, its addresses from ::1
// up. A /64 per namespace is what a real network routes, and it is what an
// AnyIP client binds its sources from.
type Layout6 struct {
	// Subnet is the masked subnet.
	Subnet netip.Prefix
	// Server is the server's /64; its first ServerCount addresses from ::1.
	Server      netip.Prefix
	ServerCount int
	// Clients holds one /64 per client namespace, in order.
	Clients []Block
}

// Compute6 lays out spec's IPv6 addresses, or says why they do not fit.
func Compute6(spec Spec6) (Layout6, error) {
	if spec.ClientNamespaces < 1 || spec.ClientAddresses < 1 || spec.ServerAddresses < 1 {
		return Layout6{}, fmt.Errorf("need at least one client namespace, one client address and one server address (got %d, %d, %d)",
			spec.ClientNamespaces, spec.ClientAddresses, spec.ServerAddresses)
	}
	subnet := spec.Subnet.Masked()
	if !subnet.IsValid() || !subnet.Addr().Is6() || subnet.Addr().Is4In6() {
		return Layout6{}, fmt.Errorf("subnet %s is not IPv6: use a prefix inside %s", spec.Subnet, DefaultSubnet6)
	}
	if spec.ClientAddresses > MaxAddresses6 || spec.ServerAddresses > MaxAddresses6 {
		return Layout6{}, fmt.Errorf("%d client and %d server addresses: at most %d per /64 are added one by one (use AnyIP sources for more)",
			spec.ClientAddresses, spec.ServerAddresses, MaxAddresses6)
	}
	if subnet.Bits() > 63 {
		return Layout6{}, fmt.Errorf("subnet %s is smaller than two /64s: use a /63 or larger (every namespace takes a /64)", subnet)
	}
	if free := subnet.Bits() <= 48 || uint64(spec.ClientNamespaces) < uint64(1)<<(64-subnet.Bits()); !free {
		return Layout6{}, fmt.Errorf("subnet %s has %d /64s but the topology needs %d (the server's and one per client namespace): use a larger subnet or fewer client namespaces",
			subnet, uint64(1)<<(64-subnet.Bits()), spec.ClientNamespaces+1)
	}
	l := Layout6{Subnet: subnet, Server: nth64(subnet, 0), ServerCount: spec.ServerAddresses}
	for c := range spec.ClientNamespaces {
		l.Clients = append(l.Clients, Block{Prefix: nth64(subnet, uint64(c)+1), Count: spec.ClientAddresses})
	}
	return l, nil
}

// ServerAddrs returns the server addresses.
func (l Layout6) ServerAddrs() []netip.Addr {
	return Block{Prefix: l.Server, Count: l.ServerCount}.Addrs()
}

// nth64 is the n-th /64 of subnet (n fits: checked by the caller).
func nth64(subnet netip.Prefix, n uint64) netip.Prefix {
	b := subnet.Addr().As16()
	hi := be64(b[:8]) + n
	put64(b[:8], hi)
	return netip.PrefixFrom(netip.AddrFrom16(b), 64)
}

// addr6At is the address v after the start of a /64 (v < 2^64).
func addr6At(block netip.Prefix, v uint64) netip.Addr {
	b := block.Addr().As16()
	put64(b[8:], be64(b[8:])+v)
	return netip.AddrFrom16(b)
}

func be64(b []byte) uint64 {
	var v uint64
	for _, x := range b[:8] {
		v = v<<8 | uint64(x)
	}
	return v
}

func put64(b []byte, v uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}
