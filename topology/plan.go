package topology

import (
	"fmt"
	"net/netip"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
)

// plan is the address layout of a topology, computed from a Spec without
// touching the system. The arithmetic (server block, power-of-two client
// blocks, subnet fit; a /64 per namespace for IPv6) is internal/layout's,
// the same function the scenario validator checks a scenario with, so
// what validates fits.
type plan struct {
	subnet  netip.Prefix // IPv4 (zero without IPv4)
	subnet6 netip.Prefix // IPv6 (zero without IPv6)
	server  []netip.Addr // IPv4 addresses, then IPv6
	clients []clientPlan
	direct  bool      // client blocks on-link in the server namespace (Spec.DirectRoutes)
	anyIP   bool      // client /64s routed as local (Spec.AnyIP)
	link    LinkShape // netem on both ends of every client link (Spec.Link)
}

// clientPlan is the blocks and the addresses of one client namespace.
type clientPlan struct {
	block  netip.Prefix // IPv4 block (zero without IPv4)
	block6 netip.Prefix // IPv6 /64 (zero without IPv6)
	addrs  []netip.Addr // IPv4 addresses, then IPv6
}

// gateway is the server's next hop to a client block: IPv4's is the
// client's first address, IPv6's the client end's link-local address.
func gateway(addrs []netip.Addr, block netip.Prefix) netip.Addr {
	if block.Addr().Is6() {
		return linkLocal6[1].Addr()
	}
	return addrs[0]
}

// makePlan checks spec and lays out its addresses.
func makePlan(spec Spec) (plan, error) {
	if err := ValidateRunID(spec.RunID); err != nil {
		return plan{}, err
	}
	if err := spec.Link.Validate(); err != nil {
		return plan{}, err
	}
	fam := spec.Family
	switch fam {
	case "", IPv4, IPv6, Dual:
	default:
		return plan{}, fmt.Errorf("address family %q: use %q, %q or %q", fam, IPv4, IPv6, Dual)
	}
	if spec.AnyIP && (!fam.HasIPv6() || spec.DirectRoutes) {
		return plan{}, fmt.Errorf("AnyIP sources need IPv6 and routes through a gateway (family %q, direct routes %v)", fam, spec.DirectRoutes)
	}
	if last := ClientName(spec.RunID, spec.ClientNamespaces); len(last) > maxIfName {
		return plan{}, fmt.Errorf("link name %s is longer than %d bytes: use at most 999 client namespaces or a shorter run id", last, maxIfName)
	}
	if spec.ClientNamespaces < 1 {
		return plan{}, fmt.Errorf("need at least one client namespace (got %d)", spec.ClientNamespaces)
	}
	p := plan{direct: spec.DirectRoutes, anyIP: spec.AnyIP, link: spec.Link, clients: make([]clientPlan, spec.ClientNamespaces)}
	if fam.HasIPv4() {
		subnet := spec.Subnet
		if !subnet.IsValid() { // a Spec made by hand (tests, tools); a scenario's always carries the decoder's subnet
			subnet = layout.DefaultSubnet
		}
		l, err := layout.Compute(layout.Spec{ClientNamespaces: spec.ClientNamespaces, ClientAddresses: spec.ClientAddresses,
			ServerAddresses: spec.ServerAddresses, Subnet: subnet})
		if err != nil {
			return plan{}, err
		}
		p.subnet, p.server = l.Subnet, l.ServerAddrs()
		for i, b := range l.Clients {
			p.clients[i].block, p.clients[i].addrs = b.Prefix, b.Addrs()
		}
	}
	if fam.HasIPv6() {
		subnet := spec.Subnet6
		if !subnet.IsValid() {
			subnet = layout.DefaultSubnet6
		}
		if !layout.DefaultSubnet6.Contains(subnet.Addr()) || subnet.Bits() < layout.DefaultSubnet6.Bits() {
			return plan{}, fmt.Errorf("IPv6 subnet %s is outside %s: use the benchmarking prefix", subnet, layout.DefaultSubnet6)
		}
		n := spec.ClientAddresses
		if spec.AnyIP {
			n = 1 // the link's own address: the server's gateway to the /64
		}
		l, err := layout.Compute6(layout.Spec6{ClientNamespaces: spec.ClientNamespaces, ClientAddresses: n,
			ServerAddresses: spec.ServerAddresses, Subnet: subnet})
		if err != nil {
			return plan{}, err
		}
		p.subnet6 = l.Subnet
		p.server = append(p.server, l.ServerAddrs()...)
		for i, b := range l.Clients {
			p.clients[i].block6 = b.Prefix
			p.clients[i].addrs = append(p.clients[i].addrs, b.Addrs()...)
		}
	}
	return p, nil
}

// linkLocal6 are the IPv6 next hops of every client link: the server end
// is fe80::1, the client end fe80::2. IPv6 answers a neighbour
// solicitation only for an address on the link it arrives on (IPv4's ARP
// answers for any local address), and the server addresses sit on lo, so
// the client routes the server's /64 through the server end's link-local
// address, as routed IPv6 networks do; the server routes each client /64
// through the client end's. Link-local addresses never leave their link,
// and every connection's addresses come from 2001:2::/48.
var linkLocal6 = [2]netip.Prefix{netip.MustParsePrefix("fe80::1/64"), netip.MustParsePrefix("fe80::2/64")}
