package topology

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// rtBatch sends many rtnetlink requests in one sendmsg and then collects
// their acknowledgements, instead of one round trip per request. The
// kernel handles the messages of one buffer in order, so a batch may create
// a link and then address it. The socket belongs to the network namespace
// of the thread that opened it.
type rtBatch struct {
	fd     int
	buf    []byte
	labels map[uint32]string // seq -> what the request does, for errors
}

// maxBatch bounds the messages per sendmsg so requests and acks stay well
// inside the socket buffers.
const maxBatch = 256

// newRTBatch opens a NETLINK_ROUTE socket, close-on-exec, in the calling
// thread's namespace.
func newRTBatch() (*rtBatch, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("failed to open a netlink socket: %w", err)
	}
	// Acks without a copy of the request: smaller replies.
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("failed to bind a netlink socket: %w", err)
	}
	return &rtBatch{fd: fd, labels: map[uint32]string{}}, nil
}

func (b *rtBatch) close() { unix.Close(b.fd) }

// add queues one request, flushing first when the batch is full.
func (b *rtBatch) add(req *nl.NetlinkRequest, label string) error {
	if len(b.labels) >= maxBatch {
		if err := b.flush(); err != nil {
			return err
		}
	}
	req.Flags |= unix.NLM_F_ACK
	b.buf = append(b.buf, req.Serialize()...)
	b.labels[req.Seq] = label
	return nil
}

// flush sends the queued requests and waits for every acknowledgement; it
// reports every request the kernel refused.
func (b *rtBatch) flush() error {
	if len(b.labels) == 0 {
		return nil
	}
	if err := unix.Sendto(b.fd, b.buf, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("failed to send %d netlink requests: %w", len(b.labels), err)
	}
	b.buf = b.buf[:0]
	var errs []error
	rb := make([]byte, 64<<10)
	for len(b.labels) > 0 {
		n, _, err := unix.Recvfrom(b.fd, rb, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("failed to read netlink acknowledgements: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(rb[:n])
		if err != nil {
			return fmt.Errorf("failed to parse netlink acknowledgements: %w", err)
		}
		for _, m := range msgs {
			label, ok := b.labels[m.Header.Seq]
			if !ok || m.Header.Type != unix.NLMSG_ERROR || len(m.Data) < 4 {
				continue
			}
			delete(b.labels, m.Header.Seq)
			if code := int32(binary.NativeEndian.Uint32(m.Data[:4])); code != 0 {
				errs = append(errs, fmt.Errorf("failed to %s: %w", label, unix.Errno(-code)))
			}
		}
	}
	return errors.Join(errs...)
}

// linkUp queues setting link index up.
func (b *rtBatch) linkUp(index int, name string) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, 0)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(index)
	msg.Flags = unix.IFF_UP
	msg.Change = unix.IFF_UP
	req.AddData(msg)
	return b.add(req, "set link "+name+" up")
}

// vethAdd queues a veth pair: name (up) with index in this namespace, and
// peer with peerIndex straight into the namespace of peerNS. Choosing the
// indexes saves a lookup per link: a fresh namespace has only lo (1).
func (b *rtBatch) vethAdd(name string, index int, peer string, peerIndex int, peerNS int) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(index)
	msg.Flags = unix.IFF_UP
	msg.Change = unix.IFF_UP
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("veth"))
	data := info.AddRtAttr(nl.IFLA_INFO_DATA, nil)
	p := data.AddRtAttr(nl.VETH_INFO_PEER, nil)
	pm := nl.NewIfInfomsgChild(p, unix.AF_UNSPEC)
	pm.Index = int32(peerIndex)
	p.AddRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(peer))
	p.AddRtAttr(unix.IFLA_NET_NS_FD, nl.Uint32Attr(uint32(peerNS)))
	req.AddData(info)
	return b.add(req, fmt.Sprintf("create veth pair %s/%s", name, peer))
}

// family is the address family of a.
func family(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// addrAdd queues address a/32 (IPv6: a/128) on link index. A host prefix
// makes no prefix route, so thousands of addresses add no routes at all.
// An IPv6 address skips duplicate address detection (IFA_F_NODAD): it is
// usable at once instead of tentative for a second or more, and the
// run's own layout already guarantees it is unique.
func (b *rtBatch) addrAdd(index int, name string, a netip.Addr) error {
	return b.prefixAdd(index, name, netip.PrefixFrom(a, a.BitLen()))
}

// prefixAdd queues address p.Addr() with p's length on link index (an
// IPv6 one without duplicate address detection, as addrAdd).
func (b *rtBatch) prefixAdd(index int, name string, p netip.Prefix) error {
	a := p.Addr()
	req := nl.NewNetlinkRequest(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	msg := nl.NewIfAddrmsg(family(a))
	msg.Index = uint32(index)
	msg.Prefixlen = uint8(p.Bits())
	if a.Is6() {
		msg.Flags = unix.IFA_F_NODAD
	}
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFA_LOCAL, a.AsSlice()))
	req.AddData(nl.NewRtAttr(unix.IFA_ADDRESS, a.AsSlice()))
	return b.add(req, fmt.Sprintf("add address %s to %s", p, name))
}

// routeAdd queues a route to dst through gateway gw on link index, with
// the gateway taken as on-link (it needs no address on the link).
func (b *rtBatch) routeAdd(dst netip.Prefix, gw netip.Addr, index int, name string) error {
	return b.addRoute(dst, gw, index, fmt.Sprintf("add route %s via %s dev %s", dst, gw, name), func(m *nl.RtMsg) {
		m.Flags = unix.RTNH_F_ONLINK
	})
}

// routeAddLink queues a route to dst straight on link index (scope link, no
// gateway): every address of dst is a neighbour on that link.
func (b *rtBatch) routeAddLink(dst netip.Prefix, index int, name string) error {
	return b.addRoute(dst, netip.Addr{}, index, fmt.Sprintf("add route %s dev %s", dst, name), func(m *nl.RtMsg) {
		m.Scope = unix.RT_SCOPE_LINK
	})
}

// routeAddLocal queues dst as a local route on link index (lo) in the local
// table ("ip route add local DST dev lo", AnyIP): the namespace takes
// every address of dst as its own, so a socket may bind any of them (with
// IP_FREEBIND) without one address being added.
func (b *rtBatch) routeAddLocal(dst netip.Prefix, index int, name string) error {
	return b.addRoute(dst, netip.Addr{}, index, fmt.Sprintf("add route local %s dev %s", dst, name), func(m *nl.RtMsg) {
		m.Table, m.Type, m.Scope = unix.RT_TABLE_LOCAL, unix.RTN_LOCAL, unix.RT_SCOPE_HOST
	})
}

// addRoute queues a new route to dst out of link index, through gw when
// it is valid, its message shaped by shape (flags, scope, table, type).
func (b *rtBatch) addRoute(dst netip.Prefix, gw netip.Addr, index int, label string, shape func(*nl.RtMsg)) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	msg := nl.NewRtMsg()
	msg.Family = uint8(family(dst.Addr()))
	msg.Dst_len = uint8(dst.Bits())
	shape(msg)
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.RTA_DST, dst.Addr().AsSlice()))
	if gw.IsValid() {
		req.AddData(nl.NewRtAttr(unix.RTA_GATEWAY, gw.AsSlice()))
	}
	req.AddData(nl.NewRtAttr(unix.RTA_OIF, nl.Uint32Attr(uint32(index))))
	return b.add(req, label)
}
