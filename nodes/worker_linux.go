package nodes

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
)

// Edge-triggered epoll for connections: each socket is registered once
// with IN|OUT|RDHUP|ET (a server's without OUT, below). Level-triggered EPOLLOUT would
// have to be armed and disarmed with epoll_ctl around every connect and
// every blocked write (one extra syscall per connection on the client);
// with ET the kernel reports writability only on a transition (connect
// done, send space freed after a full buffer), so idle sockets cost
// nothing. The price is reading until a short read or EAGAIN, which we do.
// Listeners stay level-triggered so that a paused (EMFILE) listener is
// simply taken out of epoll and re-added later.
//
// A server without a protocol never waits to write except in a send
// command, so its connections start without EPOLLOUT (lazyOut): an
// accepted socket is writable at once, and EPOLLOUT in its mask would
// cost one more event per connection. A send that meets a full buffer
// adds it (armOut).
const (
	connEvents     = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET
	ignoreEvents   = unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET
	listenerEvents = unix.EPOLLIN
)

// Tuning constants.
const (
	readBufSize = 16 << 10               // one read buffer per worker
	maxTable    = 1 << 20                // connection table slots allocated up front at most
	zeroBufSize = 64 << 10               // shared source of send bytes
	acceptBatch = 256                    // accepts per listener event before serving others
	pauseFor    = 100 * time.Millisecond // listener or connect pause after EMFILE/ENFILE
	sendStall   = 2 * time.Second        // send-done after this long without progress
	maxEvents   = 4096
)

// Server behaviours on data.
const (
	onDiscard uint8 = iota
	onEcho
	onReplyOnce
	onIgnore
)

// Worker is one epoll loop: a server or a client worker. Its methods must
// be called from one goroutine (the loop's), except Wake.
type Worker struct {
	role   string
	ep     int
	wakeFD int
	// cmdFD, when >= 0, is the command stream's fd, read by the loop
	// itself (WatchCommands): then no other goroutine needs the P, and
	// epoll_pwait2 is made as a raw system call (rawWait).
	cmdFD    int
	cmdReady bool
	rawWait  bool
	// lastEvents is what the last epoll_pwait2 returned.
	lastEvents int
	wakeMu     sync.Mutex // guards wakeFD against Wake after Close
	start      time.Time
	events     []unix.EpollEvent
	ev         unix.EpollEvent // scratch for epoll_ctl
	conns      []conn
	pool       connPool // server with conn_buffer: a read and a write buffer per slot
	rbuf       []byte
	sbuf       []byte
	zeros      []byte
	linger     unix.Linger

	// server
	srv          ServerConfig
	lazyOut      bool // connections are registered without EPOLLOUT until a write blocks (armOut)
	onData       uint8
	replyOnce    []byte
	listeners    []int
	lnPaused     bool
	lnResume     time.Duration
	capNote      string      // why CAP_SYS_ADMIN could not be dropped, for the ready event
	acceptBucket bucket      // server: accepts per second (accept_rate)
	u            *uringState // the io_uring engine's state; nil on epoll

	// client
	cli     ClientConfig
	msg     message
	tg      *targets
	rr      int
	fillPos int
	nextIdx uint32
	cj      connectJob

	clj closeJob
	sj  sendJob
	tf  trafficJob

	// reconnects: the lost connections waiting for their backoff; the
	// flag a dial gives its connection (fRecon while reconnecting)
	recon   reconnectQueue
	dialing uint8
	// connIdx keeps each open connection's index by fd, with reconnect
	// on (4 bytes per connection: the slot's idx serves the protocol
	// once the handshake is done, and a reconnect reopens the same index),
	// connTries a reconnect's failed attempts until it is back (1 byte)
	connIdx   []uint32
	connTries []uint8

	// latency: the worker's histograms and their counts when the last
	// Stats call sent them
	connHist, rttHist histogram.Histogram
	connSent, rttSent uint64
	// waitHist holds sampled connects' loop wait (waitSample), waitSent
	// its count when last sent, tcpInfo the getsockopt buffer it reads
	waitHist histogram.Histogram
	waitSent uint64
	tcpInfo  unix.TCPInfo
	// batchWait is the loop wait of the first connect the current batch
	// of events completed (-1: none yet), for the adaptive window
	batchWait     time.Duration
	monoBase      int64  // CLOCK_MONOTONIC ns at start (the loop clock's zero)
	txbuf, txskip []byte // the traffic message, timed and unmeasured
	noPwait2      bool   // epoll_pwait2 missing: millisecond timeouts

	// protocols (proto.go): the client's framer or the server's, a
	// scratch for what they write, rests of writes a socket cut short,
	// server pings split over reads, server requests split over reads
	proto    clientProto
	sproto   serverProto
	pbuf     []byte
	pending  map[int32][]byte
	pings    map[int32][]byte
	srvPart  map[int32][]byte
	keep     keepJob
	fdHigh   int // the highest fd a connection has had (client): the keep-alive hand's end
	hsHist   histogram.Histogram
	hsSent   uint64
	statuses [6]int64 // replies by class: other, 1xx … 5xx
	// the connection a framer is feeding, the read's time, whether it
	// ended inside feed
	curFD            int
	rxNow            uint64
	curGone, feeding bool
	closeAfterFeed   bool // a close command waited for the reply just framed

	st     Stats
	errs   errCounts
	fdBase int64

	// OnEvent, when set, receives every event (EventConnectDone, …).
	OnEvent func(event, detail string)
}

func newWorker(role string, fdLimit int) (*Worker, error) {
	w := &Worker{role: role, ep: -1, wakeFD: -1, cmdFD: -1, start: time.Now()}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return nil, fmt.Errorf("failed to read CLOCK_MONOTONIC: %w", err)
	}
	w.monoBase = ts.Nano() - int64(time.Since(w.start))
	lim, err := raiseNoFile(fdLimit)
	if err != nil {
		return nil, err
	}
	w.st.FDLimit = int64(lim)
	w.ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("failed to create epoll instance: %w", err)
	}
	w.wakeFD, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(w.ep)
		return nil, fmt.Errorf("failed to create eventfd: %w", err)
	}
	w.ev = unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(w.wakeFD)}
	if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, w.wakeFD, &w.ev); err != nil {
		w.Close()
		return nil, fmt.Errorf("failed to add eventfd to epoll: %w", err)
	}
	w.events = make([]unix.EpollEvent, 256)
	// The table is sized for every fd the limit allows, once: growing it
	// would leave each outgrown copy as garbage the heap keeps resident.
	// Pages of it that no fd reaches are never touched, so never resident.
	w.conns = make([]conn, min(lim, maxTable))
	w.rbuf = make([]byte, readBufSize)
	w.sbuf = make([]byte, 0, 256)
	w.pbuf = make([]byte, 0, 512)
	w.linger = unix.Linger{Onoff: 1, Linger: 0}
	return w, nil
}

// raiseNoFile sets the RLIMIT_NOFILE soft limit to the hard limit, or to
// limit when 0 < limit < hard, and returns the soft limit in effect.
func raiseNoFile(limit int) (uint64, error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("failed to read RLIMIT_NOFILE: %w", err)
	}
	want := rl.Max
	if limit > 0 && uint64(limit) < want {
		want = uint64(limit)
	}
	if rl.Cur != want {
		rl.Cur = want
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
			return 0, fmt.Errorf("failed to set RLIMIT_NOFILE to %d: %w", want, err)
		}
	}
	return want, nil
}

// countFDs counts this process's open fds once (at start, not per stats
// line: reading /proc/self/fd at 20k fds is expensive). Not procfs.FDCount:
// the lean worker imports nothing of the orchestrator's.
func countFDs() int64 {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return int64(len(ents)) - 1 // minus the fd ReadDir itself had open
}

// now is the loop clock: time since the worker started (monotonic).
func (w *Worker) now() time.Duration { return time.Since(w.start) }

// WatchCommands makes the loop watch fd, the command stream, in its own
// epoll set (level-triggered), and wait for events with a raw system
// call: the caller promises that no other goroutine of the process needs
// to run while the loop waits (it reads fd itself when CommandsReady).
// A waiting loop then keeps its P, and sysmon has no thread in a system
// call to take it from and hand to another (docs/nodes.md).
func (w *Worker) WatchCommands(fd int) error {
	if w.u != nil { // polled through the ring by the next wait
		w.cmdFD, w.rawWait = fd, true
		return nil
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("failed to watch the command stream: %w", err)
	}
	w.cmdFD, w.rawWait = fd, true
	return nil
}

// CommandsReady reports whether the command stream was readable (or hung
// up) in the last Poll, and clears it.
func (w *Worker) CommandsReady() bool {
	r := w.cmdReady
	w.cmdReady = false
	return r
}

// Wake interrupts a Poll blocked in epoll_wait; safe from any goroutine.
func (w *Worker) Wake() {
	var one = [8]byte{1}
	w.wakeMu.Lock()
	if w.wakeFD >= 0 {
		unix.Write(w.wakeFD, one[:])
	}
	w.wakeMu.Unlock()
}

func (w *Worker) emit(event, detail string) {
	if w.OnEvent != nil {
		w.OnEvent(event, detail)
	}
}

// Poll runs pending jobs, waits up to max for socket events (less when a
// rate-limited job or a pause needs the loop sooner), and handles them.
func (w *Worker) Poll(max time.Duration) error {
	now := w.now()
	w.runJobs(now)
	if w.u != nil {
		if _, err := w.ringWait(w.timeout(w.now(), max)); err != nil {
			return err
		}
		w.runJobs(w.now())
		return nil
	}
	n, err := w.wait(w.timeout(w.now(), max))
	if err != nil {
		if err == unix.EINTR {
			return nil
		}
		return fmt.Errorf("failed to wait for epoll events: %w", err)
	}
	connecting := int(w.st.Connecting)
	w.batchWait = -1
	for i := 0; i < n; i++ {
		w.handle(&w.events[i])
	}
	if w.cj.active && w.batchWait >= 0 {
		w.cj.win.observe(w.batchWait, connecting)
	}
	if n == len(w.events) && len(w.events) < maxEvents {
		w.events = make([]unix.EpollEvent, 2*len(w.events))
	}
	w.runJobs(w.now())
	return nil
}

// wait is epoll_wait with a nanosecond timeout (epoll_pwait2, Linux
// 5.11+: the traffic wheel's sends are due at any nanosecond), or
// milliseconds rounded up where the kernel lacks it.
func (w *Worker) wait(timeout time.Duration) (int, error) {
	w.st.Syscalls++
	if !w.noPwait2 {
		ts := unix.NsecToTimespec(int64(timeout))
		// Raw only while busy (the last wait returned events): an idle
		// loop blocked raw would look to sysmon like a goroutine running
		// for ever and be preempted every 10 ms; through the scheduler it
		// gives its P away once and sleeps.
		call := unix.Syscall6
		if w.rawWait && w.lastEvents > 0 {
			call = unix.RawSyscall6
		}
		r, _, e := call(unix.SYS_EPOLL_PWAIT2, uintptr(w.ep), uintptr(unsafe.Pointer(&w.events[0])),
			uintptr(len(w.events)), uintptr(unsafe.Pointer(&ts)), 0, 0)
		if e != unix.ENOSYS {
			if e != 0 {
				w.lastEvents = 0
				return 0, e
			}
			w.lastEvents = int(r)
			return int(r), nil
		}
		w.noPwait2 = true
	}
	ms := int((timeout + time.Millisecond - 1) / time.Millisecond)
	return unix.EpollWait(w.ep, w.events, ms)
}

// runJobs advances the connect, close, send and traffic jobs and resumes
// paused listeners.
func (w *Worker) runJobs(now time.Duration) {
	if w.lnPaused && now >= w.lnResume {
		w.resumeListeners()
	}
	if w.cj.active {
		w.runConnect(now)
	}
	if w.clj.active {
		w.runClose(now)
	}
	if w.sj.active && now-w.sj.progress > sendStall {
		w.finishSend()
	}
	if w.tf.active {
		w.runTraffic(now)
	}
	if w.keep.period > 0 {
		w.runKeep(now)
	}
	if len(w.recon) > 0 {
		w.runReconnect(now)
	}
}

// timeout is how long epoll_wait may block: never longer than max, and
// short only while a job has work it is waiting on the clock for.
func (w *Worker) timeout(now, max time.Duration) time.Duration {
	t := max
	lower := func(d time.Duration) {
		if d < 0 {
			d = 0
		}
		if d < t {
			t = d
		}
	}
	if w.lnPaused {
		lower(w.lnResume - now)
	}
	// At the in-flight cap the next connect waits for a completion, which
	// is a socket event: no clock, or the loop would spin.
	if w.cj.active && w.cj.wantsClock() && int(w.st.Connecting) < w.cj.win.limit() {
		if w.cj.paused > now {
			lower(w.cj.paused - now)
		} else {
			lower(w.cj.bucket.wait(now))
		}
	}
	if w.clj.active {
		lower(w.clj.bucket.wait(now))
		if w.clj.left == 0 && w.clj.deferred > 0 {
			lower(w.clj.drainEnd - now)
		}
	}
	if w.sj.active {
		lower(w.sj.progress + sendStall + time.Millisecond - now)
	}
	if w.tf.active {
		if w.tf.sending {
			lower(w.tf.intended(w.tf.k) - now)
		} else {
			lower(w.tf.drainEnd - now)
		}
	}
	if w.keep.period > 0 {
		lower(w.keepWait(now))
	}
	if len(w.recon) > 0 {
		lower(w.reconnectWait(now))
	}
	if t < 0 {
		t = 0 // a negative max (a late caller) must not become epoll_wait's -1
	}
	return t
}

// handle dispatches one epoll event. Order per connection: connect
// completion, write (pending output), read, then error and hang-up.
func (w *Worker) handle(ev *unix.EpollEvent) {
	fd := int(ev.Fd)
	if fd == w.wakeFD {
		var b [8]byte
		w.st.Syscalls++
		unix.Read(fd, b[:])
		return
	}
	if fd == w.cmdFD {
		w.cmdReady = true
		return
	}
	if fd >= len(w.conns) || w.conns[fd].state == stFree {
		// Not ours (should not happen): take it out, never trust it.
		w.st.Syscalls++
		unix.EpollCtl(w.ep, unix.EPOLL_CTL_DEL, fd, &w.ev)
		w.errs.addName("unknown-fd")
		return
	}
	c := &w.conns[fd]
	e := ev.Events
	switch c.state {
	case stListener:
		w.accept(fd)
		return
	case stConnecting:
		if !w.finishConnect(fd, c) {
			return
		}
	}
	if e&unix.EPOLLOUT != 0 {
		if w.framed() {
			if c.flags&fMsg != 0 && !w.flushProto(fd, c) {
				return
			}
		} else if c.left > 0 && !w.flush(fd, c) {
			return
		}
	}
	if e&unix.EPOLLIN != 0 && w.onData != onIgnore {
		if !w.read(fd, c) {
			return
		}
	}
	if e&(unix.EPOLLERR|unix.EPOLLHUP|unix.EPOLLRDHUP) != 0 {
		if e&unix.EPOLLERR != 0 {
			w.st.Syscalls++
			if soerr, err := rawGetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); err == nil && soerr != 0 {
				w.errs.add(unix.Errno(soerr))
			}
		}
		w.closeConn(fd, false, false)
	}
}

// read drains the socket into the shared buffer, or the slot's own with a
// connection pool (edge-triggered: until a short read or EAGAIN), counting
// bytes and newline-terminated messages and applying the server behaviour.
// It returns false when the conn was closed.
func (w *Worker) read(fd int, c *conn) bool {
	rbuf, wbuf := w.rbuf, []byte(nil)
	var now uint64 // CLOCK_MONOTONIC ns of this read, for traffic replies
	if w.pool.on() {
		if b := w.pool.read(fd); b != nil {
			rbuf, wbuf = b, w.pool.write(fd)
		}
	}
	for {
		w.st.Syscalls++
		n, err := rawRead(fd, rbuf)
		if err != nil {
			if err == unix.EAGAIN {
				return true
			}
			if err == unix.EINTR {
				continue
			}
			w.errs.add(err)
			w.closeConn(fd, false, false)
			return false
		}
		if n == 0 {
			w.closeConn(fd, false, false)
			return false
		}
		b := rbuf[:n]
		w.st.BytesIn += int64(n)
		if w.proto != nil {
			if now == 0 {
				now = w.mono(w.now())
			}
			if !w.feedProto(fd, c, b, now) {
				return false
			}
			if n < len(rbuf) {
				return true
			}
			continue
		}
		if w.sproto != nil {
			if !w.serveProto(fd, c, b) {
				return false
			}
			if n < len(rbuf) {
				return true
			}
			continue
		}
		if c.flags&fRx != 0 {
			if now == 0 {
				now = w.mono(w.now())
			}
			w.replies(c, b, now)
			if n < len(rbuf) {
				return true
			}
			continue
		}
		w.st.Messages += int64(countNewlines(b))
		switch w.onData {
		case onEcho:
			if wbuf != nil {
				// The classic server: the reply is built in the slot's
				// write buffer, then written.
				b = wbuf[:copy(wbuf, b)]
			}
			w.writeOnce(fd, b, "echo-short")
		case onReplyOnce:
			if c.flags&fReplied == 0 {
				c.flags |= fReplied
				w.writeOnce(fd, w.replyOnce, "reply-short")
			}
		}
		if n < len(rbuf) {
			return true
		}
	}
}

// writeOnce writes b without queueing the rest: echo and reply are small,
// a short write is counted under short.
func (w *Worker) writeOnce(fd int, b []byte, short string) {
	if len(b) == 0 {
		return
	}
	w.st.Syscalls++
	n, err := rawWrite(fd, b)
	if n > 0 {
		w.st.BytesOut += int64(n)
	}
	if err != nil || n < len(b) {
		w.errs.addName(short)
	}
}

// connMask is the epoll mask a connection is registered with: without
// EPOLLOUT on a lazyOut server until armOut adds it.
func (w *Worker) connMask() uint32 {
	m := uint32(connEvents)
	if w.onData == onIgnore {
		m = ignoreEvents
	}
	if w.lazyOut {
		m &^= unix.EPOLLOUT
	}
	return m
}

// armOut adds EPOLLOUT, once, to a lazyOut server's connection whose
// write met a full buffer; edge-triggered, the event comes once the
// buffer drains (at once if it already has). Elsewhere every connection
// has it from the start.
func (w *Worker) armOut(fd int, c *conn) {
	if w.u != nil {
		w.ringArmOut(fd, c)
		return
	}
	if !w.lazyOut || c.flags&fOut != 0 {
		return
	}
	w.ev = unix.EpollEvent{Events: w.connMask() | unix.EPOLLOUT, Fd: int32(fd)}
	w.st.Syscalls++
	if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_MOD, fd, &w.ev); err != nil {
		w.errs.add(err)
		return
	}
	c.flags |= fOut
}

// closeConn closes fd and frees its slot; byUs says who ended it, rst
// sets SO_LINGER {1, 0} first so the close sends a reset.
func (w *Worker) closeConn(fd int, byUs, rst bool) {
	c := &w.conns[fd]
	if rst {
		w.st.Syscalls++
		if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &w.linger); err != nil {
			w.errs.add(err)
		}
	}
	if w.u != nil {
		w.ringClose(fd)
	} else {
		w.st.Syscalls++
		rawClose(fd) // never lingers with a timeout: rst sets {1, 0}
	}
	switch c.state {
	case stOpen:
		w.st.Established--
		if byUs {
			w.st.ClosedByUs++
		} else {
			w.st.ClosedByPeer++
		}
		// A connection lost otherwise than by a close command comes
		// back after its backoff, with its index.
		if w.connIdx != nil && fd < len(w.connIdx) && !w.clj.active {
			w.lostConn(fd, c)
		}
	case stConnecting:
		w.st.Connecting--
	}
	if c.flags&fSend != 0 {
		w.sendEnded(false)
	}
	w.trafficClosed(c)
	if w.framed() {
		w.protoClosed(fd, c)
	}
	*c = conn{}
	// An fd came free: a paused listener or connect job may go on.
	if w.lnPaused {
		w.lnResume = 0
	}
	w.cj.paused = 0
}

// Close closes every socket, the epoll instance and the eventfd. Closing
// this way sends FIN on every connection and counts nothing.
func (w *Worker) Close() {
	if w.u != nil {
		w.ringShut()
	}
	for fd := range w.conns {
		if w.conns[fd].state != stFree {
			unix.Close(fd)
			w.conns[fd] = conn{}
		}
	}
	w.listeners = nil
	w.st.Established, w.st.Connecting, w.st.Ready = 0, 0, 0
	w.wakeMu.Lock()
	if w.wakeFD >= 0 {
		unix.Close(w.wakeFD)
		w.wakeFD = -1
	}
	w.wakeMu.Unlock()
	if w.ep >= 0 {
		unix.Close(w.ep)
		w.ep = -1
	}
	w.pool.release()
}

// errBusy is returned for a job command while the same job still runs.
var errBusy = errors.New("the previous command of this kind is still running; wait for its done event")
