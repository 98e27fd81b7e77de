// Package layout is the one address layout of a c1m-testbed topology: how
// the subnet is cut into the server's block and one block per client
// namespace. The topology builder lays addresses out with it and the
// scenario validator checks a scenario's topology against it, so a
// topology that validates always fits when it is built.
//
// The subnet is cut into aligned blocks: the server block first (its
// network address unused, then the server addresses), then one block of a
// power-of-two size per client namespace, so the server needs one route
// per client namespace. The subnet's last address stays unused.
//
// The package is pure arithmetic: no system calls.
package layout

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
)

// DefaultSubnet is the RFC 2544 benchmarking range, the one declaration of
// the range every lab's addresses come from unless its scenario narrows it.
var DefaultSubnet = netip.MustParsePrefix("198.18.0.0/15")

// Spec is what a layout is computed from.
type Spec struct {
	// ClientNamespaces, ClientAddresses (per client namespace) and
	// ServerAddresses are at least 1 each.
	ClientNamespaces, ClientAddresses, ServerAddresses int
	// Subnet is the IPv4 range everything is taken from.
	Subnet netip.Prefix
}

// Block is the addresses of one client namespace: the first Count
// addresses of Prefix.
type Block struct {
	// Prefix is the aligned power-of-two block.
	Prefix netip.Prefix
	// Count is how many of its addresses are used, from the first.
	Count int
}

// Layout is where every address of a topology is.
type Layout struct {
	// Subnet is the masked subnet.
	Subnet netip.Prefix
	// ServerCount server addresses follow the subnet's first address.
	ServerCount int
	// Clients holds one block per client namespace, in order.
	Clients []Block
	// Size is the subnet's number of addresses; Need is how many the
	// layout spans (up to the end of the last client block, plus the
	// unused last address).
	Size, Need uint64
	// ClientBlock is the size of each client block (a power of two).
	ClientBlock uint64
}

// FitError is a topology that does not fit its subnet.
type FitError struct {
	Spec        Spec
	Size, Need  uint64
	ClientBlock uint64
}

func (e *FitError) Error() string {
	return fmt.Sprintf("subnet %s has %d addresses but the topology needs %d (%d server, %d client namespaces x %d addresses, each block rounded up to %d): use a larger subnet or fewer addresses",
		e.Spec.Subnet.Masked(), e.Size, e.Need, e.Spec.ServerAddresses, e.Spec.ClientNamespaces, e.Spec.ClientAddresses, e.ClientBlock)
}

// MaxClientAddresses is the most addresses per client namespace that fit
// subnet with ns client namespaces and srv server addresses (0 if none).
func MaxClientAddresses(subnet netip.Prefix, ns, srv int) int {
	best := 0
	for b := 0; b <= 32-subnet.Bits(); b++ {
		n := 1 << b
		if _, err := Compute(Spec{ClientNamespaces: ns, ClientAddresses: n, ServerAddresses: srv, Subnet: subnet}); err == nil {
			best = n
		}
	}
	return best
}

// Compute lays out spec's addresses, or says why they do not fit.
func Compute(spec Spec) (Layout, error) {
	if spec.ClientNamespaces < 1 || spec.ClientAddresses < 1 || spec.ServerAddresses < 1 {
		return Layout{}, fmt.Errorf("need at least one client namespace, one client address and one server address (got %d, %d, %d)",
			spec.ClientNamespaces, spec.ClientAddresses, spec.ServerAddresses)
	}
	subnet := spec.Subnet.Masked()
	if !subnet.IsValid() || !subnet.Addr().Is4() {
		return Layout{}, fmt.Errorf("subnet %s is not IPv4: use an IPv4 range such as 198.18.0.0/15", spec.Subnet)
	}
	size := uint64(1) << (32 - subnet.Bits())
	serverBlock := pow2(uint64(spec.ServerAddresses) + 1) // +1: the block's first address stays unused
	clientBlock := pow2(uint64(spec.ClientAddresses))
	start := (serverBlock + clientBlock - 1) / clientBlock * clientBlock
	end := start + uint64(spec.ClientNamespaces)*clientBlock
	if end > size-1 { // the subnet's last address stays unused
		return Layout{}, &FitError{Spec: spec, Size: size, Need: end + 1, ClientBlock: clientBlock}
	}
	base := uint64(binary.BigEndian.Uint32(subnet.Addr().AsSlice()))
	l := Layout{Subnet: subnet, ServerCount: spec.ServerAddresses, Size: size, Need: end + 1, ClientBlock: clientBlock}
	blockBits := 32 - bits.TrailingZeros64(clientBlock)
	for c := range spec.ClientNamespaces {
		first := base + start + uint64(c)*clientBlock
		l.Clients = append(l.Clients, Block{Prefix: netip.PrefixFrom(addrAt(first), blockBits), Count: spec.ClientAddresses})
	}
	return l, nil
}

// ServerAddrs returns the server addresses.
func (l Layout) ServerAddrs() []netip.Addr {
	base := uint64(binary.BigEndian.Uint32(l.Subnet.Addr().AsSlice()))
	out := make([]netip.Addr, l.ServerCount)
	for i := range out {
		out[i] = addrAt(base + uint64(i) + 1)
	}
	return out
}

// Addrs returns the block's used addresses: an IPv4 block's from its
// first address, an IPv6 /64's from ::1 (::0 is the subnet-router anycast).
func (b Block) Addrs() []netip.Addr {
	if b.Prefix.Addr().Is6() {
		out := make([]netip.Addr, b.Count)
		for i := range out {
			out[i] = addr6At(b.Prefix, uint64(i)+1)
		}
		return out
	}
	base := uint64(binary.BigEndian.Uint32(b.Prefix.Addr().AsSlice()))
	out := make([]netip.Addr, b.Count)
	for i := range out {
		out[i] = addrAt(base + uint64(i))
	}
	return out
}

// pow2 is the smallest power of two not below n (n >= 1).
func pow2(n uint64) uint64 {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len64(n-1)
}

func addrAt(v uint64) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(v))
	return netip.AddrFrom4(b)
}

// NeighbourNeed is the neighbour entries a topology needs the host's
// gc_thresh3 to allow: table (a scenario's topology.neighbour-table), or at
// least one per link end, two per client namespace. With routing =
// "direct" the server's extra entries, one per client address, are not
// counted, since overflowing the table is what such a lab is for. The
// planner checks it before [host] is written and topology.Build after.
func NeighbourNeed(table, clientNamespaces int) int {
	return max(table, 2*clientNamespaces)
}
