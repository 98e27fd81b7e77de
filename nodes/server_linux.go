package nodes

import (
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NewServer creates a server worker listening on every address × port of
// cfg with SO_REUSEPORT (so several worker processes share the ports).
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
	if len(cfg.Addrs) == 0 || len(cfg.Ports) == 0 {
		return nil, fmt.Errorf("server needs at least one address and one port (got %d addresses, %d ports)", len(cfg.Addrs), len(cfg.Ports))
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
	w.srv, w.onData, w.replyOnce = cfg, onData, []byte(cfg.Reply)
	if w.sproto, err = newServerProto(cfg); err != nil {
		w.Close()
		return nil, err
	}
	w.acceptBucket.reset(cfg.AcceptRate, w.now())
	backlog := cfg.Backlog
	if backlog <= 0 {
		backlog = unix.SOMAXCONN
	}
	for _, a := range cfg.Addrs {
		sa, err := sockaddr4(a, 0)
		if err != nil {
			w.Close()
			return nil, err
		}
		for _, p := range cfg.Ports {
			sa.Port = p
			if err := w.listen(sa, backlog); err != nil {
				w.Close()
				return nil, fmt.Errorf("failed to listen on %s:%d (is the address on an interface of this namespace?): %w", a, p, err)
			}
		}
	}
	w.fdBase = countFDs()
	return w, nil
}

// sockaddr4 parses an IPv4 address.
func sockaddr4(addr string, port int) (*unix.SockaddrInet4, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil || !ip.Is4() {
		return nil, fmt.Errorf("invalid IPv4 address %q: write it as 198.18.0.1", addr)
	}
	return &unix.SockaddrInet4{Addr: ip.As4(), Port: port}, nil
}

func (w *Worker) listen(sa *unix.SockaddrInet4, backlog int) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	for _, opt := range []int{unix.SO_REUSEADDR, unix.SO_REUSEPORT} {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, 1); err != nil {
			unix.Close(fd)
			return fmt.Errorf("setsockopt %d: %w", opt, err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return fmt.Errorf("bind: %w", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return fmt.Errorf("listen: %w", err)
	}
	w.ev = unix.EpollEvent{Events: listenerEvents, Fd: int32(fd)}
	if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, fd, &w.ev); err != nil {
		unix.Close(fd)
		return fmt.Errorf("epoll_ctl add: %w", err)
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
		flags := uint32(connEvents)
		if w.onData == onIgnore {
			flags = ignoreEvents
		}
		w.ev = unix.EpollEvent{Events: flags, Fd: int32(fd)}
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
	for _, fd := range w.listeners {
		unix.EpollCtl(w.ep, unix.EPOLL_CTL_DEL, fd, &w.ev)
	}
	w.lnPaused = true
	w.lnResume = w.now() + pauseFor
}

func (w *Worker) resumeListeners() {
	for _, fd := range w.listeners {
		w.ev = unix.EpollEvent{Events: listenerEvents, Fd: int32(fd)}
		if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, fd, &w.ev); err != nil {
			w.errs.add(err)
		}
	}
	w.lnPaused = false
}
