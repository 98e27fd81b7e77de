package topology

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// newNetem is the root netem qdisc of link index for shape s.
func newNetem(index int, s LinkShape) *netlink.Netem {
	return netlink.NewNetem(netlink.QdiscAttrs{
		LinkIndex: index,
		Handle:    netlink.MakeHandle(1, 0),
		Parent:    netlink.HANDLE_ROOT,
	}, netlink.NetemQdiscAttrs{
		Latency: uint32(s.Delay / time.Microsecond),
		Jitter:  uint32(s.Jitter / time.Microsecond),
		Loss:    float32(s.LossPercent),
		Limit:   LinkQueueLimit,
		Rate64:  s.RateBitsPerSec / 8, // netem's rate is in bytes per second
	})
}

// addNetem puts the netem qdisc of s at the root of link index (name for
// errors) through h, a handle bound to the link's namespace. A kernel
// without netem answers ENOENT ("unknown qdisc kind"), reported as
// ErrNoNetem.
func addNetem(h *netlink.Handle, index int, name string, s LinkShape) error {
	if err := h.QdiscAdd(newNetem(index, s)); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("failed to shape link %s (%s): %w", name, s, ErrNoNetem)
		}
		return fmt.Errorf("failed to add a netem qdisc (%s) to link %s: %w", s, name, err)
	}
	return nil
}

// readNetem reads back the root netem qdisc of link index through h, as a
// LinkShape (and its queue limit); ok is false when the link has none.
func readNetem(h *netlink.Handle, index int) (s LinkShape, limit uint32, ok bool, err error) {
	qs, err := h.QdiscList(&netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Index: index}})
	if err != nil {
		return LinkShape{}, 0, false, fmt.Errorf("failed to list the qdiscs of link %d: %w", index, err)
	}
	for _, q := range qs {
		n, isNetem := q.(*netlink.Netem)
		if !isNetem || q.Attrs().Parent != netlink.HANDLE_ROOT {
			continue
		}
		return shapeOf(n), n.Limit, true, nil
	}
	return LinkShape{}, 0, false, nil
}

// shapeOf converts a netem qdisc as the kernel reports it (latency and
// jitter in scheduler ticks, loss as a fraction of 2^32-1, rate in bytes
// per second) back into a LinkShape.
func shapeOf(n *netlink.Netem) LinkShape {
	tick := netlink.TickInUsec() // ticks per microsecond
	return LinkShape{
		Delay:          time.Duration(math.Round(float64(n.Latency)/tick)) * time.Microsecond,
		Jitter:         time.Duration(math.Round(float64(n.Jitter)/tick)) * time.Microsecond,
		LossPercent:    float64(n.Loss) / math.MaxUint32 * 100,
		RateBitsPerSec: n.Rate64 * 8,
	}
}

// CheckNetem tells whether this kernel can shape links: it adds a netem
// qdisc to lo in a throwaway namespace of its own (freed at once, nothing
// is left). It returns an error wrapping ErrNoNetem when the kernel has no
// netem, so a caller can refuse a shaped run before it changes anything.
// Build calls it itself whenever Spec.Link is not zero.
func CheckNetem() error {
	return onThrowawayThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("failed to create a namespace to look for netem: %w", err)
		}
		h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return fmt.Errorf("failed to open a netlink socket: %w", err)
		}
		defer h.Close()
		if err := h.QdiscAdd(newNetem(1, LinkShape{Delay: time.Millisecond})); err != nil {
			if errors.Is(err, unix.ENOENT) {
				return fmt.Errorf("link shaping was asked for, but %w", ErrNoNetem)
			}
			return fmt.Errorf("failed to add a netem qdisc to lo of a probe namespace: %w", err)
		}
		return nil
	})
}
