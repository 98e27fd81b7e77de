package scenarios

import "github.com/c1m-testbed/c1m-testbed/internal/layout"

// checkFamily checks the keys of topology.family together: each range is
// written only for a family that uses it, AnyIP sources are IPv6 and
// routed, a dual listener needs both families, and the IPv6 layout fits
// its subnet6.
func (d *decoder) checkFamily(s *Scenario) {
	tp := s.Topology
	v6 := tp.Family == FamilyIPv6 || tp.Family == FamilyDual
	switch {
	case !v6 && d.pos.written("topology.subnet6"):
		d.failVal("topology.subnet6", `add family = "ipv6" or "dual", or remove subnet6`,
			"topology: subnet6 is set but family is %q: no IPv6 address is made", tp.Family)
	case tp.Family == FamilyIPv6 && d.pos.written("topology.subnet"):
		d.failVal("topology.subnet", `remove subnet (IPv6 addresses come from subnet6), or use family = "dual"`,
			"topology: subnet is set but family is \"ipv6\": no IPv4 address is made")
	case tp.ClientSources == SourcesAnyIP && !v6:
		d.failVal("topology.client-sources", `add family = "ipv6" or "dual": AnyIP binds sources from an IPv6 /64`,
			"topology: client-sources = \"anyip\" needs IPv6, but family is %q", tp.Family)
	case tp.ClientSources == SourcesAnyIP && tp.Routing == "direct":
		d.failVal("topology.routing", `use routing = "gateway" with AnyIP sources (the client's /64 is reached through its link address)`,
			"topology: AnyIP sources are on no link, so the server cannot reach them on-link (routing = \"direct\")")
	case tp.ClientSources == SourcesAnyIP && len(s.Client.Command) > 0:
		d.failVal("topology.client-sources", `use client-sources = "addresses" with a client command (an external program binds the sources it is given)`,
			"topology: AnyIP sources are bound by the built-in clients only")
	case tp.ClientSources == SourcesAnyIP && s.Client.PortSelection == "explicit":
		d.failVal("client.port-selection", `use port-selection = "auto" or "kernel" with AnyIP sources`,
			"client: explicit source ports keep a cursor per (source, server, port) tuple, too many with AnyIP sources")
	case s.Server.Listen == ListenDual && tp.Family != FamilyDual:
		d.failVal("server.listen", `use family = "dual", or listen = "any" (one wildcard listener of the family)`,
			"server: listen = \"dual\" takes IPv4 and IPv6, but family is %q", tp.Family)
	case s.Server.Listen != ListenAddresses && len(s.Server.Command) > 0:
		d.failVal("server.listen", "remove listen: a server command listens where its own arguments say ({addrs}, {hosts})",
			"server: listen applies to the built-in server only")
	}
	if !v6 || d.err != nil {
		return
	}
	_, err := layout.Compute6(layout.Spec6{ClientNamespaces: tp.ClientNamespaces, ClientAddresses: tp.ClientAddresses6(),
		ServerAddresses: tp.ServerAddresses, Subnet: tp.Subnet6})
	if err != nil {
		at := "topology.subnet6"
		if !d.pos.written(at) {
			at = "topology.client-namespaces"
		}
		d.failVal(at, "use a larger subnet6 or fewer client namespaces", "topology: %v", err)
	}
}

// ClientAddresses6 is how many IPv6 addresses are added to each client
// link: ClientAddresses, or with AnyIP sources one (the link's own
// address, the server's gateway to the /64).
func (tp Topology) ClientAddresses6() int {
	if tp.ClientSources == SourcesAnyIP {
		return 1
	}
	return tp.ClientAddresses
}

// Families is how many address families the topology speaks: 2 for
// "dual" (every source and server address exists in both), else 1.
func (tp Topology) Families() int {
	if tp.Family == FamilyDual {
		return 2
	}
	return 1
}

// HasIPv4 reports whether the topology makes IPv4 addresses.
func (tp Topology) HasIPv4() bool { return tp.Family != FamilyIPv6 }

// HasIPv6 reports whether the topology makes IPv6 addresses.
func (tp Topology) HasIPv6() bool { return tp.Family == FamilyIPv6 || tp.Family == FamilyDual }
