package nodes

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// MaxSourceCount is the most source addresses a client takes from its
// source prefix.
const MaxSourceCount = 1 << 20

// anyIP makes a client's source addresses from an IPv6 prefix routed as
// local in its namespace (ip -6 route add local PREFIX dev lo): no address
// is on an interface, so a socket binds one with IPV6_FREEBIND. Address i
// (0 <= i < count) keeps the prefix's bits and takes its low 64 bits from
// splitmix64(i), a bijection of uint64, so the count addresses are
// distinct, spread over the whole prefix, and the same in every worker
// given the same prefix and count. The bits between a prefix shorter
// than /64 and bit 64 come from another splitmix64 of i. The one index
// whose low 64 bits would be zero (the prefix's subnet-router anycast
// address when the prefix is a /64) takes splitmix64(2^64-1) instead, which
// no index below MaxSourceCount has.
type anyIP struct {
	base  [16]byte // the prefix, its host bits zero
	bits  int
	count int
}

// parseSourcePrefix checks a client's source_prefix and source_count.
func parseSourcePrefix(prefix string, count int) (anyIP, error) {
	if prefix == "" {
		if count != 0 {
			return anyIP{}, fmt.Errorf("source_count %d without source_prefix: set source_prefix (an IPv6 prefix routed as local in the client's namespace) or drop source_count", count)
		}
		return anyIP{}, nil
	}
	p, err := netip.ParsePrefix(prefix)
	switch {
	case err != nil:
		return anyIP{}, fmt.Errorf("invalid source_prefix %q: write an IPv6 prefix such as 2001:2:0:1::/64", prefix)
	case !p.Addr().Is6() || p.Addr().Is4In6():
		return anyIP{}, fmt.Errorf("source_prefix %q is not IPv6: only an IPv6 prefix can lend a client its sources, such as 2001:2:0:1::/64", prefix)
	case p.Bits() > 64:
		return anyIP{}, fmt.Errorf("source_prefix %q is longer than /64: use a /64 or a shorter prefix", prefix)
	case p.Masked() != p:
		return anyIP{}, fmt.Errorf("source_prefix %q has host bits set: write it as %s", prefix, p.Masked())
	case count < 1 || count > MaxSourceCount:
		return anyIP{}, fmt.Errorf("source_count %d out of range: use 1 to %d addresses of source_prefix %s", count, MaxSourceCount, prefix)
	}
	return anyIP{base: p.Addr().As16(), bits: p.Bits(), count: count}, nil
}

// splitmix64 is the finaliser of Vigna's SplitMix64 generator applied to
// x: a bijection of uint64 that scatters neighbouring inputs.
func splitmix64(x uint64) uint64 {
	z := x + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// put writes source address i into a (16 bytes).
func (g *anyIP) put(a []byte, i int) {
	copy(a, g.base[:])
	iid := splitmix64(uint64(i))
	if iid == 0 {
		iid = splitmix64(^uint64(0))
	}
	binary.BigEndian.PutUint64(a[8:], iid)
	if g.bits < 64 {
		hi := binary.BigEndian.Uint64(a[:8])
		mask := uint64(1)<<(64-g.bits) - 1
		binary.BigEndian.PutUint64(a[:8], hi|splitmix64(^uint64(i))&mask)
	}
}

// addr is source address i.
func (g *anyIP) addr(i int) netip.Addr {
	var a [16]byte
	g.put(a[:], i)
	return netip.AddrFrom16(a)
}
