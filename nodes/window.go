package nodes

// The connect window: how many connects a client worker keeps in
// progress. A connect's latency is the kernel's handshake plus the time
// the established connection waits for the loop to reach it, and with a
// full window that wait is the window divided by the loop's rate: on a
// host whose handshakes complete inside connect() (veth), every connect
// in the window is established before the loop comes back, and a window
// of 2,048 makes every connect wait for 2,047 others. An adaptive window
// shrinks while the loop finds most of it already established (the loop,
// not the network, is the bottleneck, and a smaller window costs no rate)
// and grows back to the cap while the loop finds few (handshakes are
// slow: the window is what keeps the rate).
const (
	// windowMin is the smallest adaptive window: one epoll_pwait2 per
	// this many connects costs under 1% more system calls.
	windowMin = 32
	// windowBusy: a batch that completed at least 1/windowBusy of the
	// connects in progress found the loop behind; windowIdle: under
	// 1/windowIdle, the handshakes are.
	windowBusy = 2
	windowIdle = 8
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

// observe adapts the window after the loop handled one batch of events:
// done connects completed in it, of inFlight in progress before it.
func (w *window) observe(done, inFlight int) {
	if w.fixed || inFlight == 0 {
		return
	}
	switch {
	case done*windowBusy >= inFlight:
		w.cur = max(min(w.max, windowMin), w.cur-w.cur/4)
	case done*windowIdle < inFlight && inFlight >= w.cur:
		w.cur = min(w.max, 2*w.cur)
	}
}
