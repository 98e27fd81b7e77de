package nodes

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NewServer creates a server worker listening on every address × port of
// cfg (or on the wildcards cfg.Listen asks for) with SO_REUSEPORT (so
// several worker processes share the ports).
func NewServer(cfg ServerConfig) (*Worker, error) {
	var onData uint8
	switch cfg.OnData {
	case "", "discard":
		onData = onDiscard
	case "echo":
		onData = onEcho
	case "reply-once":
		onData = onReplyOnce
	case "ignore":
		onData = onIgnore
	default:
		return nil, fmt.Errorf("unknown on_data %q: use discard, echo, reply-once or ignore", cfg.OnData)
	}
	tryRing, needRing, err := engineWanted(cfg.Engine)
	if err != nil {
		return nil, err
	}
	socks, err := listenAddrs(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.ConnBuffer < 0 || cfg.ConnBuffer > maxConnBuffer {
		return nil, fmt.Errorf("conn_buffer %d out of range: use 0 (the compact table) to %d bytes", cfg.ConnBuffer, maxConnBuffer)
	}
	w, err := newWorker("server", cfg.FDLimit)
	if err != nil {
		return nil, err
	}
	if w.pool, err = newConnPool(len(w.conns), cfg.ConnBuffer); err != nil {
		w.Close()
		return nil, err
	}
	// The ring is set up once: where it cannot be, auto runs on epoll.
	if tryRing {
		if err := w.startRing(); err != nil && needRing {
			w.Close()
			return nil, err
		}
	}
	w.srv, w.onData, w.replyOnce = cfg, onData, []byte(cfg.Reply)
	if w.sproto, err = newServerProto(cfg); err != nil {
		w.Close()
		return nil, err
	}
	// Without a protocol only a send command waits to write (echo and
	// reply write once): EPOLLOUT waits until one blocks.
	w.lazyOut = w.sproto == nil
	w.acceptBucket.reset(cfg.AcceptRate, w.now())
	backlog := cfg.Backlog
	if backlog <= 0 {
		backlog = unix.SOMAXCONN
	}
	for _, l := range socks {
		if err := w.listen(&l.sa, l.v6only, backlog); err != nil {
			w.Close()
			hint := "is the address on an interface of this namespace, an IPv6 one added with nodad so that it is not tentative?"
			if l.sa.addr().IsUnspecified() {
				hint = "does another program hold the port without SO_REUSEPORT?"
			}
			return nil, fmt.Errorf("failed to listen on %s (%s): %w", l.sa.String(), hint, err)
		}
	}
	w.fdBase = countFDs()
	return w, nil
}

func (w *Worker) listen(sa *sockaddr, v6only bool, backlog int) error {
	// io_uring accepts from a blocking listener (it tries without
	// blocking first, then polls); epoll's accept4 loop needs EAGAIN.
	typ := unix.SOCK_STREAM | unix.SOCK_CLOEXEC
	if w.u == nil {
		typ |= unix.SOCK_NONBLOCK
	}
	fd, err := unix.Socket(sa.family(), typ, 0)
	if err != nil {
		return err
	}
	for _, opt := range []int{unix.SO_REUSEADDR, unix.SO_REUSEPORT} {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, 1); err != nil {
			unix.Close(fd)
			return fmt.Errorf("setsockopt %d: %w", opt, err)
		}
	}
	if sa.family() == unix.AF_INET6 {
		v := 0
		if v6only {
			v = 1
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v); err != nil {
			unix.Close(fd)
			return fmt.Errorf("setsockopt IPV6_V6ONLY: %w", err)
		}
	}
	if err := rawBind(fd, sa); err != nil {
		unix.Close(fd)
		return fmt.Errorf("bind: %w", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return fmt.Errorf("listen: %w", err)
	}
	if w.u == nil {
		w.ev = unix.EpollEvent{Events: listenerEvents, Fd: int32(fd)}
		if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, fd, &w.ev); err != nil {
			unix.Close(fd)
			return fmt.Errorf("epoll_ctl add: %w", err)
		}
	}
	w.slot(fd).state = stListener
	w.listeners = append(w.listeners, fd)
	return nil
}

// accept4 without a peer address: unix.Accept4 would allocate a Sockaddr
// for every connection.
func accept4(fd int) (int, unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(nil)), 0,
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	return int(r), e
}

// accept takes connections until EAGAIN (or a batch, the listener being
// level-triggered reports again). EMFILE/ENFILE pause every listener.
func (w *Worker) accept(lfd int) {
	for i := 0; i < acceptBatch; i++ {
		// Read the clock only when accepts are rate-limited (accept_rate):
		// the unlimited path is the million ramp's hot loop.
		if w.acceptBucket.rate > 0 {
			if now := w.now(); !w.acceptBucket.take(now) {
				// Out of accept tokens: leave the connections queued in the
				// kernel and listen again when the next token is due.
				w.pauseListeners()
				w.lnResume = now + w.acceptBucket.wait(now)
				return
			}
		}
		w.st.Syscalls++
		fd, errno := accept4(lfd)
		if errno != 0 {
			switch errno {
			case unix.EAGAIN:
				return
			case unix.EINTR, unix.ECONNABORTED, unix.EPROTO:
				w.errs.add(errno)
				continue
			default: // EMFILE, ENFILE, ENOBUFS, ENOMEM: no fd or memory now
				w.errs.add(errno)
				w.pauseListeners()
				return
			}
		}
		c := w.slot(fd)
		w.ev = unix.EpollEvent{Events: w.connMask(), Fd: int32(fd)}
		w.st.Syscalls++
		if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, fd, &w.ev); err != nil {
			w.errs.add(err)
			unix.Close(fd)
			continue
		}
		*c = conn{state: stOpen}
		if w.pool.on() {
			w.pool.use(fd)
		}
		w.st.Accepted++
		w.st.Established++
	}
}

// pauseListeners takes every listener out of epoll (they are
// level-triggered and the pending connection would wake us forever) until
// a connection closes or pauseFor has passed.
func (w *Worker) pauseListeners() {
	if w.lnPaused {
		return
	}
	if w.u != nil {
		w.ringPause()
		w.lnPaused = true
		w.lnResume = w.now() + pauseFor
		return
	}
	for _, fd := range w.listeners {
		w.st.Syscalls++
		unix.EpollCtl(w.ep, unix.EPOLL_CTL_DEL, fd, &w.ev)
	}
	w.lnPaused = true
	w.lnResume = w.now() + pauseFor
}

func (w *Worker) resumeListeners() {
	if w.u != nil {
		w.ringResume()
		return
	}
	for _, fd := range w.listeners {
		w.ev = unix.EpollEvent{Events: listenerEvents, Fd: int32(fd)}
		w.st.Syscalls++
		if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, fd, &w.ev); err != nil {
			w.errs.add(err)
		}
	}
	w.lnPaused = false
}
