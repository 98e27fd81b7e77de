package topology

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
)

// plan is the address layout of a topology, computed from a Spec without
// touching the system.
//
// The subnet is cut into aligned blocks: the server block first (its
// network address unused, then the server addresses), then one block of a
// power-of-two size per client, so the server needs one route per client.
type plan struct {
	subnet  netip.Prefix
	server  []netip.Addr
	clients []clientPlan
	direct  bool // client blocks on-link in the server namespace (Spec.DirectRoutes)
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
	if spec.ClientNamespaces < 1 || spec.ClientAddresses < 1 || spec.ServerAddresses < 1 {
		return plan{}, fmt.Errorf("need at least one client namespace, one client address and one server address (got %d, %d, %d)",
			spec.ClientNamespaces, spec.ClientAddresses, spec.ServerAddresses)
	}
	subnet := spec.Subnet
	if !subnet.IsValid() {
		subnet = DefaultSubnet
	}
	subnet = subnet.Masked()
	if !subnet.Addr().Is4() {
		return plan{}, fmt.Errorf("subnet %s is not IPv4: use an IPv4 range such as %s", subnet, DefaultSubnet)
	}
	if last := ClientName(spec.RunID, spec.ClientNamespaces); len(last) > maxIfName {
		return plan{}, fmt.Errorf("link name %s is longer than %d bytes: use at most 999 client namespaces or a shorter run id", last, maxIfName)
	}
	size := uint64(1) << (32 - subnet.Bits())
	serverBlock := pow2(uint64(spec.ServerAddresses) + 1) // +1: the block's first address stays unused
	clientBlock := pow2(uint64(spec.ClientAddresses))
	start := (serverBlock + clientBlock - 1) / clientBlock * clientBlock
	end := start + uint64(spec.ClientNamespaces)*clientBlock
	if end > size-1 { // the subnet's last address stays unused
		return plan{}, fmt.Errorf("subnet %s has %d addresses but the topology needs %d (%d server, %d clients x %d rounded up to %d): use a larger subnet or fewer addresses",
			subnet, size, end+1, spec.ServerAddresses, spec.ClientNamespaces, spec.ClientAddresses, clientBlock)
	}
	base := uint64(binary.BigEndian.Uint32(subnet.Addr().AsSlice()))
	p := plan{subnet: subnet, direct: spec.DirectRoutes}
	for i := 1; i <= spec.ServerAddresses; i++ {
		p.server = append(p.server, addrAt(base+uint64(i)))
	}
	blockBits := 32 - bits.TrailingZeros64(clientBlock)
	for c := 0; c < spec.ClientNamespaces; c++ {
		first := base + start + uint64(c)*clientBlock
		cp := clientPlan{block: netip.PrefixFrom(addrAt(first), blockBits)}
		for a := 0; a < spec.ClientAddresses; a++ {
			cp.addrs = append(cp.addrs, addrAt(first+uint64(a)))
		}
		p.clients = append(p.clients, cp)
	}
	return p, nil
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
