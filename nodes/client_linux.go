package nodes

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// portTries is how many explicit ports one dial tries before it counts
// EADDRNOTAVAIL (a port may still be busy from an earlier connection).
const portTries = 16

// retry is a connection index whose connect failed and will be tried again.
type retry struct {
	idx   uint32
	tries uint8
}

// connectJob is the state of one connect command.
type connectJob struct {
	active   bool
	total    int // attempts to complete
	started  int // new indexes handed out
	done     int // completed: established or failed for good
	ok, fail int
	win      window // cap on connects in progress
	retries  []retry
	bucket   bucket
	paused   time.Duration // no new socket before this (EMFILE/ENFILE)
	begun    time.Duration // loop clock when the command came (the pacing schedule's origin)
	rate     int           // connects per second; 0 = unlimited (no schedule)
}

// wantsClock reports whether the job waits for tokens or a pause to end
// (rather than for connects in flight to complete).
func (j *connectJob) wantsClock() bool {
	return j.started < j.total || len(j.retries) > 0
}

// NewClient creates a client worker; connections start with a connect
// command (Do).
func NewClient(cfg ClientConfig) (*Worker, error) {
	switch cfg.Strategy {
	case "", "round-robin", "fill":
	default:
		return nil, fmt.Errorf("unknown strategy %q: use round-robin or fill", cfg.Strategy)
	}
	if cfg.PortLow != 0 || cfg.PortHigh != 0 {
		if cfg.PortLow <= 0 || cfg.PortHigh > 65535 || cfg.PortLow > cfg.PortHigh {
			return nil, fmt.Errorf("port range %d-%d invalid: use 1 <= port_low <= port_high <= 65535 (or neither)", cfg.PortLow, cfg.PortHigh)
		}
	}
	if cfg.Retries < 0 || cfg.Retries > 255 {
		return nil, fmt.Errorf("retries %d out of range: use 0 to 255", cfg.Retries)
	}
	tg, err := newTargets(cfg)
	if err != nil {
		return nil, err
	}
	w, err := newWorker("client", cfg.FDLimit)
	if err != nil {
		return nil, err
	}
	w.cli, w.tg, w.msg = cfg, tg, parseMessage(cfg.Message)
	w.onData = onDiscard
	if w.proto, err = newClientProto(cfg); err != nil {
		w.Close()
		return nil, err
	}
	if w.proto != nil {
		w.keep = keepJob{period: cfg.ProtoOptions.KeepAlive / 2, start: w.now()}
	}
	switch cfg.Reconnect {
	case ReconnectOff:
	case ReconnectFixed, ReconnectExponential:
		if cfg.ReconnectDelay < 0 || cfg.Reconnect == ReconnectExponential && cfg.ReconnectMaxDelay < cfg.ReconnectDelay {
			w.Close()
			return nil, fmt.Errorf("reconnect delays %v (max %v) invalid: use 0 <= delay <= max delay", cfg.ReconnectDelay, cfg.ReconnectMaxDelay)
		}
		w.connIdx = make([]uint32, len(w.conns))
		w.connTries = make([]uint8, len(w.conns))
	default:
		w.Close()
		return nil, fmt.Errorf("unknown reconnect %q: use fixed or exponential (or leave it empty)", cfg.Reconnect)
	}
	w.fdBase = countFDs()
	return w, nil
}

func (w *Worker) startConnect(count, rate, inFlight int, win string) error {
	if w.role != "client" {
		return fmt.Errorf("connect is a client command; this node is a %s", w.role)
	}
	if w.cj.active {
		return errBusy
	}
	if count <= 0 {
		return fmt.Errorf("connect needs count > 0 (got %d)", count)
	}
	if inFlight <= 0 {
		// No default here: the orchestrator's plan owns it (one place).
		return fmt.Errorf("connect needs in_flight > 0 (got %d): the orchestrator sends its plan's cap on connects in progress for this worker", inFlight)
	}
	if win != "" && win != WindowAdaptive && win != WindowFixed {
		return fmt.Errorf("unknown window %q: use %s or %s", win, WindowAdaptive, WindowFixed)
	}
	// Connection indexes (nextIdx) continue across connect commands.
	w.cj = connectJob{active: true, total: count, win: newWindow(inFlight, win == WindowFixed), retries: w.cj.retries[:0], begun: w.now(), rate: max(rate, 0)}
	w.cj.bucket.reset(rate, w.now())
	w.runConnect(w.now())
	return nil
}

// runConnect starts as many connects as tokens, the in-flight cap and the
// pause allow.
func (w *Worker) runConnect(now time.Duration) {
	j := &w.cj
	for j.wantsClock() && int(w.st.Connecting) < j.win.limit() && j.paused <= now && j.bucket.take(now) {
		var idx uint32
		var tries uint8
		sched := time.Duration(-1) // a retry is timed from its own connect() call
		if n := len(j.retries); n > 0 {
			idx, tries = j.retries[n-1].idx, j.retries[n-1].tries
			j.retries = j.retries[:n-1]
		} else {
			if j.rate > 0 {
				sched = j.begun + time.Duration(int64(j.started)*int64(time.Second)/int64(j.rate))
			}
			idx = w.nextIdx
			w.nextIdx++
			j.started++
		}
		w.dial(now, idx, tries, sched)
	}
	w.checkConnectDone()
}

// dial starts one non-blocking connect. Its latency runs from sched, the
// time the pacing schedule meant it to start (a late start counts), or
// from the connect() call when that is earlier or there is no schedule
// (sched < 0).
func (w *Worker) dial(now time.Duration, idx uint32, tries uint8, sched time.Duration) {
	k := w.fillPos
	if w.cli.Strategy != "fill" {
		k = w.rr
		w.rr++
		if w.rr == w.tg.n {
			w.rr = 0
		}
	}
	src, dst, anyip := w.tg.pick(k)
	w.st.Syscalls++
	fd, err := unix.Socket(dst.family(), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		// Out of fds: a retry waits for a close or pauseFor (no spin);
		// an attempt without retries left simply fails.
		if (err == unix.EMFILE || err == unix.ENFILE) && int(tries) < w.cli.Retries {
			w.cj.paused = now + pauseFor
		}
		w.connectFailed(idx, tries, err)
		return
	}
	var start time.Duration
	// IP_BIND_ADDRESS_NO_PORT and IP_LOCAL_PORT_RANGE are SOL_IP options
	// that an AF_INET6 TCP socket takes too (ipv6_setsockopt hands SOL_IP
	// to ip_setsockopt; inet6_bind and the port search honour both):
	// TestSockoptsIPv6 checks it. A prefix's source is on no interface,
	// so its bind needs IPV6_FREEBIND.
	w.st.Syscalls++
	err = rawSetsockoptInt(fd, unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	if err == nil && anyip {
		w.st.Syscalls++
		err = rawSetsockoptInt(fd, unix.SOL_IPV6, unix.IPV6_FREEBIND, 1)
	}
	if err == nil {
		w.st.Syscalls++
		if err = rawBind(fd, src); err == nil {
			// The loop clock just before connect(): now is that of the
			// whole batch, up to in_flight dials old.
			start = w.now()
			if sched >= 0 && sched < start {
				start = sched
			}
			if w.tg.next != nil {
				err = w.connectExplicit(fd, k, dst)
			} else {
				w.st.Syscalls++
				err = rawConnect(fd, dst)
			}
		}
	}
	switch err {
	case nil, unix.EINPROGRESS:
	default:
		w.st.Syscalls++
		rawClose(fd)
		if err == unix.EADDRNOTAVAIL && w.cli.Strategy == "fill" {
			w.fillPos = (w.fillPos + 1) % w.tg.n
		}
		w.connectFailed(idx, tries, err)
		return
	}
	c := w.slot(fd)
	w.ev = unix.EpollEvent{Events: connEvents, Fd: int32(fd)}
	w.st.Syscalls++
	if e := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, fd, &w.ev); e != nil {
		w.st.Syscalls++
		rawClose(fd)
		w.connectFailed(idx, tries, e)
		return
	}
	*c = conn{state: stConnecting, flags: w.dialing, idx: idx, sub: uint16(tries)}
	c.setStart(start)
	w.st.Connecting++
	// Completion (or failure) comes as EPOLLOUT/EPOLLERR, even when the
	// connect above already succeeded.
}

// finishConnect completes a connect on its first event; it returns false
// when the connection failed (and was closed).
func (w *Worker) finishConnect(fd int, c *conn) bool {
	w.st.Syscalls++
	soerr, err := rawGetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = unix.Errno(soerr)
	}
	if err != nil {
		idx, tries, recon := c.idx, uint8(c.sub), c.flags&fRecon != 0
		w.closeConn(fd, false, false)
		if recon {
			w.reconnectFailed(idx, tries, err)
		} else {
			w.connectFailed(idx, tries, err)
		}
		return false
	}
	w.connHist.Record(c.sinceStart(w.now()))
	if w.st.Connected%waitEvery == 0 || w.batchWait < 0 && w.cj.active && !w.cj.win.fixed {
		wait, ok := w.loopWait(fd)
		if ok && w.st.Connected%waitEvery == 0 {
			w.waitHist.Record(wait)
		}
		if ok && w.batchWait < 0 {
			w.batchWait = wait
		}
	}
	if w.connIdx != nil && fd < len(w.connIdx) {
		w.connIdx[fd] = c.idx
		w.connTries[fd] = 0
		if c.flags&fRecon != 0 {
			w.connTries[fd] = uint8(c.sub) // a reconnect's attempts so far
		}
	}
	w.fdHigh = max(w.fdHigh, fd)
	c.left, c.sub = 0, 0
	c.state = stOpen
	w.st.Connecting--
	w.st.Established++
	w.st.Connected++
	if w.proto != nil {
		// The attempt completes with its handshake (ready, or the
		// connection ending first: protoClosed).
		if !w.helloConn(fd, c) {
			return false
		}
		if c.pb&pbReady != 0 {
			w.attemptDone(fd, c)
		}
		return true
	}
	w.attemptDone(fd, c)
	if !w.msg.empty() {
		w.sbuf = w.msg.appendTo(w.sbuf[:0], int64(w.cli.IndexBase)+int64(c.idx))
		c.left = uint32(len(w.sbuf))
		c.flags |= fMsg
		if !w.flush(fd, c) {
			return false
		}
	}
	w.checkConnectDone()
	return true
}

// attemptDone counts an attempt that succeeded: a reconnect, or one of
// the connect command's.
func (w *Worker) attemptDone(fd int, c *conn) {
	if c.flags&fRecon != 0 {
		w.reconnected(c)
		return
	}
	w.cj.ok++
	w.cj.done++
	w.checkConnectDone()
}

// reconnectFailed counts a reconnect attempt that failed and queues the
// next, backed off further.
func (w *Worker) reconnectFailed(idx uint32, attempt uint8, err error) {
	w.errs.add(err)
	w.lost(idx, min(attempt, 254)+1)
}

// connectFailed counts a failed attempt and queues a retry if any is left.
func (w *Worker) connectFailed(idx uint32, tries uint8, err error) {
	if w.dialing&fRecon != 0 {
		w.reconnectFailed(idx, tries, err)
		return
	}
	w.errs.add(err)
	if int(tries) < w.cli.Retries {
		w.cj.retries = append(w.cj.retries, retry{idx: idx, tries: tries + 1})
		return
	}
	w.cj.fail++
	w.cj.done++
	w.checkConnectDone()
}

func (w *Worker) checkConnectDone() {
	j := &w.cj
	if j.active && j.done >= j.total {
		j.active = false
		if w.proto != nil {
			w.emit(EventConnectDone, fmt.Sprintf("%d established and ready (handshake done), %d failed", j.ok, j.fail))
			return
		}
		w.emit(EventConnectDone, fmt.Sprintf("%d established, %d failed", j.ok, j.fail))
	}
}

// connectExplicit connects to dst from tuple k's next source port: a
// one-port IP_LOCAL_PORT_RANGE makes the kernel take exactly that port
// (or fail with EADDRNOTAVAIL if the four-tuple is busy, then the next
// port is tried, up to portTries). The kernel's own search walks every
// used port of the pair first, which grows slow once a pair holds many
// thousands.
func (w *Worker) connectExplicit(fd, k int, dst *sockaddr) error {
	var err error
	for i := 0; i < portTries; i++ {
		p := int(w.tg.next[k])
		if p >= w.cli.PortHigh {
			w.tg.next[k] = uint16(w.cli.PortLow)
		} else {
			w.tg.next[k]++
		}
		w.st.Syscalls++
		if err = rawSetsockoptInt(fd, unix.SOL_IP, unix.IP_LOCAL_PORT_RANGE, p|p<<16); err != nil {
			return err
		}
		w.st.Syscalls++
		if err = rawConnect(fd, dst); err != unix.EADDRNOTAVAIL {
			return err
		}
	}
	return err
}

// waitEvery is how many completed connects share one loop-wait sample:
// a getsockopt per 64 connects, 1.5% more system calls for a connect.
const waitEvery = 64

// loopWait reads how long the connection on fd waited, established,
// before this loop reached it: TCP_INFO's tcpi_last_ack_recv, the time
// since the kernel processed the SYN-ACK (millisecond resolution, the
// kernel's jiffies). A connect's latency is the kernel's handshake plus
// this wait; when the wait is most of it, the latency is the client's own
// backlog (a closed loop at saturation), not the server's. One connect in
// waitEvery goes into the loop-wait histogram, and the first of each
// batch of events steers the adaptive window.
func (w *Worker) loopWait(fd int) (time.Duration, bool) {
	w.st.Syscalls++
	if rawGetsockoptTCPInfo(fd, &w.tcpInfo) != nil {
		return 0, false
	}
	return time.Duration(w.tcpInfo.Last_ack_recv) * time.Millisecond, true
}
