package nodes

import (
	"fmt"
	"net/netip"
)

// tupleGroup is one address family's (source, server, server port)
// tuples: every source of the family with every destination of the same
// family. Tuple i is source i / len(dsts) and destination i % len(dsts),
// the order the sources are listed in, then the servers, then the ports.
type tupleGroup struct {
	srcs []sockaddr // the listed sources, port 0
	gen  anyIP      // then gen.count sources from the source prefix (IPv6)
	dsts []sockaddr // every server × every port, server-major
	n    int        // tuples: (len(srcs) + gen.count) × len(dsts)
}

// targets are a client's tuples, kept as sources and destinations and
// indexed, never built one by one: a prefix's million sources cost no
// memory. Tuple k of the whole list alternates the two families while both
// have tuples left (even k one family, odd k the other), then runs through
// the rest of the larger one.
type targets struct {
	g    [2]tupleGroup // g[1].n == 0 when the client has one family
	n    int
	next []uint16 // explicit source ports: the next port of each tuple
	// src is where a prefix's source address is written for one dial.
	src sockaddr
}

// newTargets builds a client's tuples from its configuration; only
// sources and servers of the same family pair.
func newTargets(cfg ClientConfig) (*targets, error) {
	gen, err := parseSourcePrefix(cfg.SourcePrefix, cfg.SourceCount)
	if err != nil {
		return nil, err
	}
	if len(cfg.Sources)+gen.count == 0 || len(cfg.Servers) == 0 || len(cfg.Ports) == 0 {
		return nil, fmt.Errorf("client needs at least one source (sources or source_prefix), one server and one port (got %d, %d, %d)",
			len(cfg.Sources)+gen.count, len(cfg.Servers), len(cfg.Ports))
	}
	for _, p := range cfg.Ports {
		if err := checkPort(p); err != nil {
			return nil, err
		}
	}
	var v4, v6 tupleGroup
	for _, s := range cfg.Sources {
		ip, err := parseAddr("source", s)
		if err != nil {
			return nil, err
		}
		g := &v4
		if ip.Is6() {
			g = &v6
		}
		g.srcs = append(g.srcs, newSockaddr(ip, 0))
	}
	for _, d := range cfg.Servers {
		ip, err := parseAddr("server", d)
		if err != nil {
			return nil, err
		}
		g := &v4
		if ip.Is6() {
			g = &v6
		}
		for _, p := range cfg.Ports {
			g.dsts = append(g.dsts, newSockaddr(ip, p))
		}
	}
	v6.gen = gen
	v4.n = len(v4.srcs) * len(v4.dsts)
	v6.n = (len(v6.srcs) + gen.count) * len(v6.dsts)
	t := &targets{n: v4.n + v6.n, src: newSockaddr(netip.IPv6Unspecified(), 0)}
	switch {
	case t.n == 0:
		return nil, fmt.Errorf("sources and servers share no address family (%d IPv4 and %d IPv6 sources, %d IPv4 and %d IPv6 servers): give the client sources of its servers' family",
			len(v4.srcs), len(v6.srcs)+gen.count, len(v4.dsts)/len(cfg.Ports), len(v6.dsts)/len(cfg.Ports))
	case v4.n == 0:
		t.g[0] = v6
	default:
		t.g[0], t.g[1] = v4, v6
	}
	if cfg.PortLow > 0 {
		if gen.count > 0 {
			return nil, fmt.Errorf("port_low/port_high with source_prefix: explicit source ports keep a cursor per tuple, too many with a prefix's sources; use the kernel's port choice with a source prefix (drop port_low and port_high)")
		}
		t.next = make([]uint16, t.n)
		for i := range t.next {
			t.next[i] = uint16(cfg.PortLow)
		}
	}
	return t, nil
}

// pick returns tuple k's source and destination (the source may be t.src,
// valid until the next pick) and whether the source comes from the prefix
// (it binds with IPV6_FREEBIND then).
func (t *targets) pick(k int) (src, dst *sockaddr, anyip bool) {
	g, i := &t.g[0], k
	if m := min(t.g[0].n, t.g[1].n); k < 2*m {
		g, i = &t.g[k&1], k>>1
	} else if m > 0 {
		i = k - m
		if t.g[1].n > t.g[0].n {
			g = &t.g[1]
		}
	}
	s, d := i/len(g.dsts), i%len(g.dsts)
	if s < len(g.srcs) {
		return &g.srcs[s], &g.dsts[d], false
	}
	g.gen.put(t.src.raw[saAddr6:saAddr6+16], s-len(g.srcs))
	return &t.src, &g.dsts[d], true
}
