// Package topology builds the laboratory of a c1m-testbed run and takes it
// down again: one server network namespace and N client namespaces joined by
// veth pairs, many test addresses from 198.18.0.0/15 (and 2001:2::/48), routes, and the
// per-namespace sysctls of the scenario. It also keeps the host-settings
// journal that lets every run leave the machine as it found it, records who
// owns a run so the leftovers of a dead run can be found and removed, and
// runs code or child processes inside a namespace.
//
// Layout of a built run (client i of N, K addresses each):
//
//	c1m-<id>-c<i>                          c1m-<id>-srv
//	  lo (up)                                lo (up): server addresses /32
//	  c1m-<id>-c<i>: K client /32s <==veth==> c1m-<id>-s<i>
//	  route <subnet> via S0 onlink           route <client block> via C<i>.0 onlink
//
// With Spec.Link, both ends of every client veth get a root netem qdisc
// (delay, jitter, loss, rate), so each direction is shaped and a round
// trip costs at least twice the delay.
//
// With Spec.Family IPv6 or Dual the same shape is built over IPv6 from
// 2001:2::/48: a /64 per namespace, addresses without duplicate address
// detection, and routes through fixed link-local next hops (fe80::1 on
// the server end, fe80::2 on the client end), since IPv6 answers neighbour
// solicitations only for addresses on the receiving link. With
// Spec.AnyIP a client's /64 is a local route on its lo and its sources
// are bound from it without being added (docs/topology.md).
//
// Every route goes through one gateway per link, so the neighbour tables
// hold one entry per link, not one per address: thousands of addresses work
// without touching the host-global neighbour thresholds.
//
// Nothing is ever added to the host's own (root) namespace: namespaces are
// created on a throwaway locked OS thread, links are created from inside
// their namespace with the peer sent straight into the server namespace,
// and sysctls are written from a thread that sits inside the namespace.
// The package never runs the ip command.
package topology
