package nodes

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// sockaddr is a socket address in the kernel's form, a sockaddr_in or a
// sockaddr_in6 in the first n bytes of raw, built once at start so that
// bind() and connect() pass it as it is: no conversion and no allocation
// per connection.
type sockaddr struct {
	raw [unix.SizeofSockaddrInet6]byte
	n   uint8
}

// Offsets in raw: the family (host order), the port (network order), and
// the address of each family.
const (
	saPort  = 2
	saAddr4 = 4
	saAddr6 = 8
)

// newSockaddr returns ip:port in the kernel's form; ip must be IPv4 or
// IPv6 without a zone (parseAddr makes sure).
func newSockaddr(ip netip.Addr, port int) sockaddr {
	var sa sockaddr
	if ip.Is4() {
		binary.NativeEndian.PutUint16(sa.raw[:], unix.AF_INET)
		a := ip.As4()
		copy(sa.raw[saAddr4:], a[:])
		sa.n = unix.SizeofSockaddrInet4
	} else {
		binary.NativeEndian.PutUint16(sa.raw[:], unix.AF_INET6)
		a := ip.As16()
		copy(sa.raw[saAddr6:], a[:])
		sa.n = unix.SizeofSockaddrInet6
	}
	sa.setPort(port)
	return sa
}

// family is AF_INET or AF_INET6.
func (sa *sockaddr) family() int {
	return int(binary.NativeEndian.Uint16(sa.raw[:]))
}

// setPort sets the port, in network byte order as the kernel wants it
// (the same offset in both families).
func (sa *sockaddr) setPort(port int) {
	sa.raw[saPort], sa.raw[saPort+1] = byte(port>>8), byte(port)
}

// port is the port in host order.
func (sa *sockaddr) port() int {
	return int(binary.BigEndian.Uint16(sa.raw[saPort:]))
}

// addr is the address without its port.
func (sa *sockaddr) addr() netip.Addr {
	if sa.family() == unix.AF_INET {
		return netip.AddrFrom4([4]byte(sa.raw[saAddr4 : saAddr4+4]))
	}
	return netip.AddrFrom16([16]byte(sa.raw[saAddr6 : saAddr6+16]))
}

// String is address:port, the IPv6 address in brackets.
func (sa *sockaddr) String() string {
	return netip.AddrPortFrom(sa.addr(), uint16(sa.port())).String()
}

// parseAddr parses an IPv4 or IPv6 literal, no brackets, no zone: what a
// start command's addresses must be.
func parseAddr(what, s string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return netip.Addr{}, fmt.Errorf("invalid %s address %q: write an IPv4 or IPv6 literal without brackets, such as 198.18.0.1 or 2001:2::1", what, s)
	case ip.Zone() != "":
		return netip.Addr{}, fmt.Errorf("invalid %s address %q: zones are not supported, use a global address without %%zone", what, s)
	case ip.Is4In6():
		return netip.Addr{}, fmt.Errorf("invalid %s address %q: an IPv4-mapped IPv6 address, write it as %s", what, s, ip.Unmap())
	}
	return ip, nil
}

// checkPort refuses a port a socket cannot bind or reach.
func checkPort(p int) error {
	if p < 1 || p > 65535 {
		return fmt.Errorf("port %d out of range: use 1 to 65535", p)
	}
	return nil
}
