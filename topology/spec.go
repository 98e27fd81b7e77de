package topology

import (
	"net/netip"
	"time"
)

// Spec describes a laboratory to build.
type Spec struct {
	RunID            string // short id, [a-z0-9], at most 6 bytes
	ClientNamespaces int
	ClientAddresses  int // per client namespace
	ServerAddresses  int
	Subnet           netip.Prefix // zero: layout.DefaultSubnet
	// Family is the addresses every namespace gets (zero: IPv4).
	Family Family
	// Subnet6 is the IPv6 range, a /64 per namespace (zero:
	// layout.DefaultSubnet6); used with IPv6 and Dual.
	Subnet6 netip.Prefix
	// AnyIP routes each client namespace's /64 as local on lo instead of
	// adding its client addresses: the clients bind sources anywhere in
	// it (IP_FREEBIND). Its link gets one IPv6 address, the server's
	// gateway to the /64. Needs IPv6 or Dual and gateway routing.
	AnyIP         bool
	ServerSysctls map[string]string
	ClientSysctls map[string]string
	// NeighbourTable is the neighbour-table size the run needs (0: what the
	// topology needs, one entry per link). The neighbour thresholds are
	// host-global on this kernel, so Build only checks the host's
	// gc_thresh3 against it and refuses with a fix when it is too small.
	NeighbourTable int
	// Conntrack engages connection tracking in the server namespace: an
	// nftables rule there matches on the conntrack state, so every
	// connection takes an entry and net.netfilter.nf_conntrack_max applies.
	Conntrack bool
	// DirectRoutes makes the client blocks on-link in the server namespace
	// (route <block> dev <link>, no gateway), as if every client address
	// sat on one L2 segment with the server: the server then resolves one
	// neighbour entry per client address instead of one per link. For the
	// neighbour-table lab; Build does not count these entries against
	// gc_thresh3, since overflowing it is what such a lab is for.
	DirectRoutes bool
	// Link shapes every client link (delay, jitter, loss, rate) with a
	// netem qdisc at the root of both of its ends, so each direction is
	// shaped: a round trip takes at least 2 x Link.Delay. The zero value
	// adds no qdisc. Build refuses a shape that does not validate (wrapping
	// ErrBadLinkShape); on a kernel without netem it fails (wrapping
	// ErrNoNetem) and removes what it made: call CheckNetem first to refuse
	// before anything is created, as testbed does before it changes the host.
	Link LinkShape
}

// Family is the address family of a topology.
type Family string

// The families a topology may speak.
const (
	IPv4 Family = "ipv4" // 198.18.0.0/15 only (the zero Family too)
	IPv6 Family = "ipv6" // 2001:2::/48 only
	Dual Family = "dual" // both: every namespace has addresses of each
)

// HasIPv4 reports whether f makes IPv4 addresses.
func (f Family) HasIPv4() bool { return f != IPv6 }

// HasIPv6 reports whether f makes IPv6 addresses.
func (f Family) HasIPv6() bool { return f == IPv6 || f == Dual }

// Namespace is one network namespace of a built topology: its name, its
// test addresses and, for a client, its veth link.
type Namespace struct {
	Name  string       // namespace name, e.g. c1m-ab12cd-srv
	Addrs []netip.Addr // its test addresses (IPv4 first, then IPv6)
	Link  string       // client: its veth end; server: empty (one link per client)
	// SourcePrefix is a client's /64 routed as local (Spec.AnyIP): its
	// sources are bound from it; zero without AnyIP.
	SourcePrefix netip.Prefix
}

// Topology is a built laboratory.
type Topology struct {
	RunID   string
	Subnet  netip.Prefix
	Subnet6 netip.Prefix // zero for an IPv4 topology
	Server  Namespace
	Clients []Namespace
	// KillGrace is how long Teardown waits after SIGTERM before it
	// SIGKILLs what still runs in the run's namespaces (0: DefaultKillGrace).
	KillGrace time.Duration

	claim *Owner // the owner record Build made itself, released by Teardown
	ended bool   // EndProcesses ended every process of the run
}
