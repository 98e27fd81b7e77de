package nodes

import "time"

// The connect window: how many connects a client worker keeps in
// progress. A connect's latency is the kernel's handshake plus the time
// the established connection waits for the loop to reach it, and with a
// full window that wait is the window divided by the loop's rate: on a
// host whose handshakes complete inside connect() (veth), every connect
// in the window is established before the loop comes back, and a window
// of 2,048 makes every connect wait for the 2,047 others.
//
// An adaptive window reads, once per batch of events that completed
// connects, how long the batch's first connection (the longest ready)
// sat established before the loop reached it (TCP_INFO's
// tcpi_last_ack_recv, as the loop-wait histogram does). A wait of
// windowLag or more means the loop is behind: the window shrinks by a
// quarter, which costs no rate, since the loop and not the network is
// the bottleneck. A shorter wait with the window full means the loop
// keeps up and waits for handshakes: the window doubles, up to the
// orchestrator's in_flight, since then the window is the rate (a link
// with a delay needs rate × RTT connects in progress).
const (
	// windowMin is the smallest adaptive window (and its start): one
	// epoll_pwait2 and one TCP_INFO read per this many connects cost
	// under 1% more system calls.
	windowMin = 32
	// windowLag is the loop wait at which the window shrinks: two and a
	// half jiffies at HZ=250 (the wait is read in whole jiffies).
	windowLag = 10 * time.Millisecond
)

// The connect command's windows.
const (
	WindowAdaptive = "adaptive"
	WindowFixed    = "fixed"
)

// window is a client worker's cap on connects in progress.
type window struct {
	max   int // the orchestrator's in_flight
	cur   int // the cap now
	fixed bool
}

// newWindow starts a window capped at max: at max when fixed, else at
// windowMin (or max, if smaller) to grow from.
func newWindow(max int, fixed bool) window {
	w := window{max: max, cur: max, fixed: fixed}
	if !fixed {
		w.cur = min(max, windowMin)
	}
	return w
}

// limit is the cap on connects in progress now.
func (w *window) limit() int { return w.cur }

// observe adapts the window after a batch of events that completed
// connects: wait is how long its first one waited for the loop,
// connecting the connects in progress before the batch.
func (w *window) observe(wait time.Duration, connecting int) {
	if w.fixed {
		return
	}
	switch {
	case wait >= windowLag:
		w.cur = max(min(w.max, windowMin), w.cur-w.cur/4)
	case connecting >= w.cur:
		w.cur = min(w.max, 2*w.cur)
	}
}
