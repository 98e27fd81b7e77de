package nodes

import (
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// The server's io_uring engine (ServerConfig.Engine = EngineIOUring).
// The same loop, table and handlers as the epoll engine; what differs is
// how the loop learns what to do and how it closes:
//
//   - each listener has one multishot accept (a single-shot one per
//     token with accept_rate): a completion per connection, no accept4
//     and no epoll_ctl;
//   - each connection has one single-shot poll (IN|RDHUP, OUT while a
//     write waits), armed at accept and again after each event is
//     handled: its completion's mask is an epoll mask (the bits are the
//     same) given to handle;
//   - a connection closes with a queued IORING_OP_CLOSE, after a
//     POLL_REMOVE when its poll is armed (a pending request holds the
//     file: close(2) alone would send no FIN);
//   - the eventfd and the command stream are polled through the ring,
//     and the loop's one wait is io_uring_enter, which also submits.
//
// Everything queued goes to the kernel in the next wait: a connection
// costs one multishot accept completion, one poll SQE, one close SQE and
// the poll's completion, against accept4, epoll_ctl, the event and
// close(2) on epoll. SQEs that need no answer are CQE_SKIP_SUCCESS.
//
// A completion about a connection carries the fd and a generation (the
// fd's close count, 8 bits): a poll woken just before its connection
// was closed by the loop still completes, possibly after the fd was
// reused by a new connection, and the generation tells them apart.

// Engines of the built-in server (ServerConfig.Engine).
const (
	EngineEpoll   = "epoll"
	EngineIOUring = "io_uring"
	EngineAuto    = "auto"
)

// Completion kinds, in a completion's top byte.
const (
	udConn   = 1 // a connection's poll: fd, generation
	udAccept = 2 // a listener's accept: its index in listeners
	udWake   = 3 // the eventfd's poll
	udCmd    = 4 // the command stream's poll
	udOther  = 5 // close, poll removal or update, cancel: only failures complete
)

// Ring sizes: submissions are flushed whenever the queue fills, and the
// kernel keeps completions that do not fit (IORING_FEAT_NODROP).
const (
	ringSQ = 256
	ringCQ = 2048
)

// ud packs a completion's kind, generation and fd or index.
func ud(kind uint8, gen uint8, fd int) uint64 {
	return uint64(kind)<<56 | uint64(gen)<<32 | uint64(uint32(fd))
}

// pollIn etc. are poll(2)'s bits, which are epoll's.
const (
	pollIn    = unix.POLLIN
	pollOut   = unix.POLLOUT
	pollRDHUP = unix.POLLRDHUP
)

// uringState is the io_uring engine's part of a Worker.
type uringState struct {
	ring *ring
	// gens holds each fd's generation; cur is the fd whose completion is
	// being handled (its poll is not armed), -1 otherwise
	gens []uint8
	cur  int
	// armed says which listeners have an accept pending, cmdArmed
	// whether the command stream's poll is (the eventfd's always is)
	armed    []bool
	cmdArmed bool
	// spill holds SQEs the full submission queue could not take, in
	// order; they go first into the next wait's submission
	spill []uringSQE
	// shutting is set while Close removes the polls; drained counts the
	// connections' last completions seen meanwhile
	shutting bool
	drained  int
}

// sqe returns the SQE to fill next: in the ring, or in the spill when the
// queue is full (or already spilling: order matters, a cancel must reach
// the kernel before the close queued after it).
func (w *Worker) sqe() *uringSQE {
	u := w.u
	if len(u.spill) == 0 {
		if s, ok := u.ring.sqe(); ok {
			return s
		}
	}
	u.spill = append(u.spill, uringSQE{})
	return &u.spill[len(u.spill)-1]
}

// flushSpill moves spilled SQEs into the ring, as many as it takes.
func (w *Worker) flushSpill() {
	u := w.u
	n := 0
	for ; n < len(u.spill); n++ {
		s, ok := u.ring.sqe()
		if !ok {
			break
		}
		*s = u.spill[n]
	}
	u.spill = append(u.spill[:0], u.spill[n:]...)
}

// ringGens grows the generations with the table (slot grows it for an
// fd beyond it).
func (w *Worker) ringGens() {
	if u := w.u; len(u.gens) < len(w.conns) {
		g := make([]uint8, len(w.conns))
		copy(g, u.gens)
		u.gens = g
	}
}

// engineWanted reads a server's engine: whether to set up a ring (auto
// and io_uring) and whether failing to is an error (io_uring asked for;
// auto runs epoll instead). "" and epoll are epoll.
func engineWanted(engine string) (ring, required bool, err error) {
	switch engine {
	case "", EngineEpoll:
		return false, false, nil
	case EngineAuto:
		return true, false, nil
	case EngineIOUring:
		return true, true, nil
	}
	return false, false, fmt.Errorf("unknown engine %q: use epoll, io_uring or auto", engine)
}

// startRing gives the server worker its ring (disabled until the first
// Poll) and a generation per table slot.
func (w *Worker) startRing() error {
	r, err := newRing(ringSQ, ringCQ)
	if err != nil {
		return err
	}
	r.calls = &w.st.Syscalls
	w.u = &uringState{ring: r, gens: make([]uint8, len(w.conns)), cur: -1}
	return nil
}

// ringEnable runs in the first Poll: the loop's goroutine keeps its thread
// for good (the ring's single issuer), and the listeners' accepts and the
// eventfd's poll are queued.
func (w *Worker) ringEnable() error {
	runtime.LockOSThread()
	if err := w.u.ring.enable(); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	w.ringGens()
	w.u.armed = make([]bool, len(w.listeners))
	for i := range w.listeners {
		w.armAccept(i)
	}
	w.ringPoll(udWake, 0, w.wakeFD, pollIn)
	return nil
}

// ringPoll queues a single-shot poll of fd for mask.
func (w *Worker) ringPoll(kind uint8, gen uint8, fd int, mask uint32) {
	s := w.sqe()
	s.opcode, s.fd, s.opFlags, s.userData = uringOpPollAdd, int32(fd), mask, ud(kind, gen, fd)
}

// ringOther queues an SQE whose success needs no answer.
func (w *Worker) ringOther(op uint8, fd int, addr uint64) {
	s := w.sqe()
	s.opcode, s.flags, s.fd, s.addr, s.userData = op, uringSqeCQESkipSuccess, int32(fd), addr, ud(udOther, 0, fd)
}

// connPollMask is what a connection's poll waits for: input and the
// peer's hang-up (only the hang-up when on_data is ignore), and writable
// while a write waits (a rest of a protocol frame, a send command's
// bytes). Single-shot, a writable mask on a writable socket would fire
// at once, so it is asked only then.
func (w *Worker) connPollMask(c *conn) uint32 {
	m := uint32(pollIn | pollRDHUP)
	if w.onData == onIgnore {
		m = pollRDHUP
	}
	if c.flags&fMsg != 0 || (c.flags&fSend != 0 && c.left > 0) {
		m |= pollOut
	}
	return m
}

// armAccept queues listener i's accept: multishot, or with accept_rate
// single-shot when a token is there (else the listeners pause until
// one is due).
func (w *Worker) armAccept(i int) {
	multishot := true
	if w.acceptBucket.rate > 0 {
		if now := w.now(); !w.acceptBucket.take(now) {
			w.lnPaused = true
			w.lnResume = now + w.acceptBucket.wait(now)
			return
		}
		multishot = false
	}
	s := w.sqe()
	s.opcode, s.fd, s.opFlags = uringOpAccept, int32(w.listeners[i]), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC
	s.userData = ud(udAccept, 0, i)
	if multishot {
		s.ioprio = uringAcceptMultishot
	}
	w.u.armed[i] = true
}

// ringWait waits for completions (submitting what is queued in the same
// call) and handles them; it returns how many there were.
func (w *Worker) ringWait(timeout time.Duration) (int, error) {
	u := w.u
	if !u.ring.enabled {
		if err := w.ringEnable(); err != nil {
			return 0, err
		}
	}
	if w.cmdFD >= 0 && !u.cmdArmed {
		w.ringPoll(udCmd, 0, w.cmdFD, pollIn)
		u.cmdArmed = true
	}
	w.flushSpill()
	if u.ring.cqe() != nil || len(u.spill) > 0 {
		timeout = 0 // completions wait already, or SQEs do
	}
	switch err := u.ring.submit(1, timeout, w.rawWait && w.lastEvents > 0); err {
	case nil:
	case unix.EBADR:
		// The kernel could not keep a completion that overflowed the
		// queue (out of memory): a connection may wait for ever.
		w.errs.addName("uring-cq-dropped")
	default:
		w.lastEvents = 0
		return 0, fmt.Errorf("io_uring_enter: %w", err)
	}
	n := w.reap()
	w.lastEvents = n
	return n, nil
}

// reap handles the completions posted so far and returns their number.
func (w *Worker) reap() int {
	r, n := w.u.ring, 0
	for end := r.tailNow(); r.headNow() != end; n++ {
		c := r.cqe()
		data, res, flags := c.userData, c.res, c.flags
		r.seen()
		w.complete(data, res, flags)
	}
	return n
}

// complete handles one completion.
func (w *Worker) complete(data uint64, res int32, flags uint32) {
	u := w.u
	fd, gen := int(uint32(data)), uint8(data>>32)
	switch uint8(data >> 56) {
	case udConn:
		if fd >= len(w.conns) || w.conns[fd].state == stFree || u.gens[fd] != gen {
			return // a closed connection's poll
		}
		c := &w.conns[fd]
		switch {
		case u.shutting:
			u.drained++ // its last completion: the socket is the fd's alone
			return
		case res == -int32(unix.ECANCELED):
			// ringArmOut cancelled it to ask for writable too
			w.ringPoll(udConn, gen, fd, w.connPollMask(c))
			return
		case res < 0:
			w.errs.add(unix.Errno(-res))
			u.cur = fd // its poll is done: nothing to remove
			w.closeConn(fd, false, false)
			u.cur = -1
			return
		}
		u.cur = fd
		ev := unix.EpollEvent{Events: uint32(res), Fd: int32(fd)}
		w.handle(&ev)
		u.cur = -1
		if c.state != stFree && u.gens[fd] == gen {
			w.ringPoll(udConn, gen, fd, w.connPollMask(c))
		}
	case udAccept:
		w.accepted(fd, res, flags)
	case udWake:
		var b [8]byte
		w.st.Syscalls++
		unix.Read(w.wakeFD, b[:])
		w.ringPoll(udWake, 0, w.wakeFD, pollIn)
	case udCmd:
		w.cmdReady, u.cmdArmed = true, false // polled again before the next wait
	case udOther:
		switch e := unix.Errno(-res); e {
		case 0, unix.ENOENT, unix.EALREADY, unix.ECANCELED:
			// a poll that completed or was being completed first
		default:
			w.errs.add(e)
		}
	}
}

// accepted handles listener i's accept completion: a new connection, or
// an error, as the epoll engine's accept does.
func (w *Worker) accepted(i int, res int32, flags uint32) {
	u := w.u
	if flags&uringCQEFMore == 0 {
		u.armed[i] = false
		defer func() {
			if !w.lnPaused && !u.armed[i] && !u.shutting {
				w.armAccept(i)
			}
		}()
	}
	if u.shutting {
		if res >= 0 {
			w.st.Syscalls++
			rawClose(int(res)) // accepted while stopping: not ours to serve
		}
		return
	}
	if res < 0 {
		switch e := unix.Errno(-res); e {
		case unix.ECANCELED, unix.EAGAIN, unix.EINTR:
		case unix.ECONNABORTED, unix.EPROTO:
			w.errs.add(e)
		default: // EMFILE, ENFILE, ENOBUFS, ENOMEM: no fd or memory now
			w.errs.add(e)
			w.pauseListeners()
		}
		return
	}
	fd := int(res)
	*w.slot(fd) = conn{state: stOpen}
	w.ringGens()
	if w.pool.on() {
		w.pool.use(fd)
	}
	w.st.Accepted++
	w.st.Established++
	w.ringPoll(udConn, u.gens[fd], fd, w.connPollMask(&w.conns[fd]))
}

// ringPause cancels every listener's pending accept (the epoll engine
// takes them out of its set) until the listeners resume.
func (w *Worker) ringPause() {
	for i, a := range w.u.armed {
		if a {
			w.ringOther(uringOpAsyncCancel, -1, ud(udAccept, 0, i))
		}
	}
}

// ringResume arms every listener whose accept is not pending.
func (w *Worker) ringResume() {
	w.lnPaused = false
	for i, a := range w.u.armed {
		if !a && !w.lnPaused {
			w.armAccept(i)
		}
	}
}

// ringClose queues fd's close: after cancelling its poll unless its
// completion is the one being handled; the generation moves on, so the
// cancelled poll's completion (or one of a wake-up just before) is
// dropped. A cancel, unlike POLL_REMOVE, always completes the request,
// even one a wake-up was already completing.
func (w *Worker) ringClose(fd int) {
	u := w.u
	if fd != u.cur {
		w.ringOther(uringOpAsyncCancel, -1, ud(udConn, u.gens[fd], fd))
	}
	u.gens[fd]++
	w.ringOther(uringOpClose, fd, 0)
}

// ringArmOut asks for writable too on a connection whose write waits:
// its poll is cancelled and armed again with connPollMask when the
// cancellation completes (the one being handled is polled again anyway).
// Not an in-place update (POLL_REMOVE with IORING_POLL_UPDATE_EVENTS):
// kernels before the fix of December 2025 lose the completion of an
// updated poll that fires at once.
func (w *Worker) ringArmOut(fd int, c *conn) {
	if fd == w.u.cur {
		return
	}
	w.ringOther(uringOpAsyncCancel, -1, ud(udConn, w.u.gens[fd], fd))
}

// shutWait bounds how long Close waits for the polls' cancellations.
const shutWait = 2 * time.Second

// ringShut cancels every listener's accept and every connection's poll
// and waits until each connection's last completion has come, so that
// closing the sockets afterwards sends their FINs now rather than when
// the kernel tears the ring down after the process is gone; then it
// closes the ring. One cancel per request: a cancel-all request is
// quadratic in the requests pending (170 ms for 5,000). It must run on
// the loop's thread (the ring's single issuer), as Close does in Main.
func (w *Worker) ringShut() {
	u := w.u
	if u.ring.enabled {
		u.shutting = true
		for i, a := range u.armed {
			if a {
				w.ringOther(uringOpAsyncCancel, -1, ud(udAccept, 0, i))
			}
		}
		want := 0
		for fd := range w.conns {
			if c := &w.conns[fd]; c.state == stOpen && fd != u.cur {
				w.ringOther(uringOpAsyncCancel, -1, ud(udConn, u.gens[fd], fd))
				want++
			}
		}
		end := w.now() + shutWait
		for {
			w.flushSpill()
			if err := u.ring.submit(1, 50*time.Millisecond, false); err != nil && err != unix.EBADR {
				break // not the loop's thread (EEXIST): the kernel cancels at the ring's close
			}
			w.reap()
			if (u.drained >= want && len(u.spill) == 0) || w.now() > end {
				break
			}
		}
	}
	u.ring.close()
	w.u = nil
}

// Engine is the engine the worker runs: EngineIOUring or EngineEpoll.
func (w *Worker) Engine() string {
	if w.u != nil {
		return EngineIOUring
	}
	return EngineEpoll
}
