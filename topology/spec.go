package topology

import "net/netip"

// DefaultSubnet is the benchmarking range of RFC 2544, used when
// Spec.Subnet is not set.
var DefaultSubnet = netip.MustParsePrefix("198.18.0.0/15")

// Spec describes a laboratory to build.
type Spec struct {
	RunID            string // short id, [a-z0-9], at most 6 bytes
	ClientNamespaces int
	ClientAddresses  int // per client namespace
	ServerAddresses  int
	Subnet           netip.Prefix // zero: DefaultSubnet
	ServerSysctls    map[string]string
	ClientSysctls    map[string]string
	// NeighbourTable is the neighbour-table size the run needs (0: what the
	// topology needs, one entry per link). The neighbour thresholds are
	// host-global on this kernel, so Build only checks the host's
	// gc_thresh3 against it and refuses with a fix when it is too small.
	NeighbourTable int
}

// Node is one namespace of a built topology.
type Node struct {
	Name  string       // namespace name, e.g. c1m-ab12cd-srv
	Addrs []netip.Addr // the node's test addresses
	Link  string       // client: its veth end; server: empty (one link per client)
}

// Topology is a built laboratory.
type Topology struct {
	RunID   string
	Subnet  netip.Prefix
	Server  Node
	Clients []Node

	claim *Owner // the owner record Build made itself, released by Teardown
}
