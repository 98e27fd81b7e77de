package topology

import (
	"fmt"
	"net/netip"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
)

// plan is the address layout of a topology, computed from a Spec without
// touching the system. The arithmetic (server block, power-of-two client
// blocks, subnet fit) is internal/layout's, the same function the
// scenario validator checks a scenario with, so what validates fits.
type plan struct {
	subnet  netip.Prefix
	server  []netip.Addr
	clients []clientPlan
	direct  bool      // client blocks on-link in the server namespace (Spec.DirectRoutes)
	link    LinkShape // netem on both ends of every client link (Spec.Link)
}

// clientPlan is the block and the addresses of one client namespace.
type clientPlan struct {
	block netip.Prefix
	addrs []netip.Addr
}

// makePlan checks spec and lays out its addresses.
func makePlan(spec Spec) (plan, error) {
	if err := ValidateRunID(spec.RunID); err != nil {
		return plan{}, err
	}
	if err := spec.Link.Validate(); err != nil {
		return plan{}, err
	}
	subnet := spec.Subnet
	if !subnet.IsValid() { // a Spec made by hand (tests, tools); a scenario's always carries the decoder's subnet
		subnet = layout.DefaultSubnet
	}
	l, err := layout.Compute(layout.Spec{ClientNamespaces: spec.ClientNamespaces, ClientAddresses: spec.ClientAddresses,
		ServerAddresses: spec.ServerAddresses, Subnet: subnet})
	if err != nil {
		return plan{}, err
	}
	if last := ClientName(spec.RunID, spec.ClientNamespaces); len(last) > maxIfName {
		return plan{}, fmt.Errorf("link name %s is longer than %d bytes: use at most 999 client namespaces or a shorter run id", last, maxIfName)
	}
	p := plan{subnet: l.Subnet, server: l.ServerAddrs(), direct: spec.DirectRoutes, link: spec.Link}
	for _, b := range l.Clients {
		p.clients = append(p.clients, clientPlan{block: b.Prefix, addrs: b.Addrs()})
	}
	return p, nil
}
