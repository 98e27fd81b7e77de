package nodes

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// statsEvery is how often a worker looks at its stats; it writes a stats
// line only when they changed since the last line, or statsHeartbeat
// after it, so an idle fleet of a hundred workers does not wake the
// orchestrator 400 times a second to say nothing new.
const (
	statsEvery     = 250 * time.Millisecond
	statsHeartbeat = 2 * time.Second
)

// Exit statuses of Main.
const (
	ExitOK    = 0 // stdin closed or stop received
	ExitStart = 1 // the start command failed (the error event says why)
	ExitUsage = 2 // unknown role
)

// Tune sets the runtime for a node process: one P (a worker is one event
// loop; fewer threads and less per-P memory) and a GC that keeps the heap
// near the live connection table. Call it first thing in a node process.
func Tune() {
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(10)
	debug.SetMemoryLimit(256 << 20)
	// Package initialisation of the whole binary (charts, TOML, …) leaves
	// garbage a node never needs: collect it and hand the pages back now,
	// since a hundred workers each keeping it adds up.
	debug.FreeOSMemory()
}

// commandSource is where a node's commands come from: first blocks for
// a line before the worker exists; after started, poll returns the lines
// there are now (ok false when none is left, ended when the stream ended).
type commandSource interface {
	first() (line, bool)
	started(w *Worker) error
	poll(w *Worker) (l line, ok, ended bool)
}

// newCommandSource reads a pipe or file in the loop itself (fdSource),
// anything else from a goroutine (chanSource).
func newCommandSource(in io.Reader) commandSource {
	if f, ok := in.(*os.File); ok {
		var st unix.Stat_t
		fd := int(f.Fd()) // blocking mode, as Fd leaves it
		if unix.Fstat(fd, &st) == nil && (st.Mode&unix.S_IFMT == unix.S_IFIFO || st.Mode&unix.S_IFMT == unix.S_IFSOCK) {
			return &fdSource{c: fdCommands{fd: fd}, f: f}
		}
	}
	s := &chanSource{lines: make(chan line, 64), wake: make(chan struct{})}
	go readCommands(in, s.lines, func() {
		select {
		case <-s.wake:
			s.w.Wake()
		default:
		}
	})
	return s
}

// chanSource is a reader goroutine feeding a channel; it wakes the loop
// through the worker's eventfd.
type chanSource struct {
	lines chan line
	wake  chan struct{} // closed once w is set
	w     *Worker
}

func (s *chanSource) first() (line, bool) {
	l, ok := <-s.lines
	return l, ok
}

func (s *chanSource) started(w *Worker) error {
	s.w = w
	close(s.wake)
	return nil
}

func (s *chanSource) poll(*Worker) (line, bool, bool) {
	select {
	case l, ok := <-s.lines:
		return l, ok, !ok
	default:
		return line{}, false, false
	}
}

// fdSource reads the command pipe in the loop's thread: blocking before
// start, then non-blocking and watched in the worker's epoll set, so no
// goroutine but the loop ever needs to run and the loop waits with a raw
// epoll_pwait2 (Worker.WatchCommands).
type fdSource struct {
	c    fdCommands
	f    *os.File // kept alive: its finaliser would close the fd
	told bool     // c.err was reported
}

func (s *fdSource) first() (line, bool) {
	l, ok := s.c.next()
	if !ok && s.c.err != nil && !s.told {
		s.told = true // say it once, then the stream has ended
		return line{err: s.c.err}, true
	}
	return l, ok
}

func (s *fdSource) started(w *Worker) error {
	if err := unix.SetNonblock(s.c.fd, true); err != nil {
		return fmt.Errorf("failed to make the command stream non-blocking: %w", err)
	}
	w.cmdReady = true // lines read with the start command may be waiting
	return w.WatchCommands(s.c.fd)
}

func (s *fdSource) poll(w *Worker) (line, bool, bool) {
	if l, ok := s.c.pop(); ok {
		return l, true, false
	}
	if !w.CommandsReady() {
		return line{}, false, false
	}
	l, ok := s.c.next()
	if !ok && s.c.done() {
		return line{}, false, true
	}
	if ok {
		w.cmdReady = true // more may be buffered or readable: look again
	}
	return l, ok, false
}

// line is one command line from the orchestrator, or why it did not parse.
type line struct {
	cmd Command
	err error
}

// Main runs one node: role is "server" or "client". It reads Commands, one
// JSON object per line, from in and writes Reports to out: an event per
// command done or failed and a stats line every 250 ms. The first command
// must be start. When in reaches EOF (the orchestrator went away: the
// lifeline) or a stop command arrives, every socket is closed and Main
// returns 0.
//
// Main drops CAP_SYS_ADMIN from every thread once the worker started (in a
// binary with cgo: locks its OS thread for good and drops it there), so
// that fs.file-max binds the worker as it binds any server: call it as the
// last thing a process does.
func Main(role string, in io.Reader, out io.Writer) int {
	// Timers (epoll_pwait2's timeout) fire within 1 µs instead of the
	// default 50 µs slack: a traffic send that wakes late is timed from its
	// intended time, so the slack would show as RTT. Set on every thread
	// at once, the loop may run on any of them, and CAP_SYS_ADMIN is
	// dropped the same way; a binary that links cgo cannot (ENOTSUP), and
	// then the loop's thread is locked for good and set alone. A locked
	// goroutine costs a thread handoff (two futex wake-ups and context
	// switches) every time it blocks or is preempted (issue 24).
	allThreads := true
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_SET_TIMERSLACK, 1000, 0); e != 0 {
		allThreads = false
		runtime.LockOSThread() // never unlocked: this thread gives up a capability
		unix.Prctl(unix.PR_SET_TIMERSLACK, 1000, 0, 0, 0)
	}
	rep := &reporter{w: out}
	if role != "server" && role != "client" {
		rep.event(EventError, fmt.Sprintf("unknown role %q: use server or client", role))
		return ExitUsage
	}
	src := newCommandSource(in)

	// Before start: block for the next line.
	var w *Worker
	for w == nil {
		l, ok := src.first()
		if !ok {
			return ExitOK
		}
		switch {
		case l.err != nil:
			rep.event(EventError, l.err.Error())
		case l.cmd.Cmd == CmdStop:
			return ExitOK
		case l.cmd.Cmd != CmdStart:
			rep.event(EventError, fmt.Sprintf("command %q before start: send start first", l.cmd.Cmd))
		default:
			var err error
			w, err = startWorker(role, l.cmd)
			if err != nil {
				rep.event(EventError, err.Error())
				return ExitStart
			}
			drop := dropSysAdmin
			if allThreads {
				drop = dropSysAdminAllThreads
			}
			if err := drop(); err != nil {
				w.capNote = "; " + err.Error() + " (fs.file-max will not bind this worker)"
			}
		}
	}
	defer w.Close()
	w.OnEvent = rep.event
	if err := src.started(w); err != nil {
		rep.event(EventError, err.Error())
		return ExitStart
	}
	rep.event(EventReady, w.readyDetail())
	rep.stats(w.Stats(), true)
	nextStats := w.now() + statsEvery
	for {
		if err := w.Poll(nextStats - w.now()); err != nil {
			rep.event(EventError, err.Error())
			return ExitStart
		}
		for {
			l, ok, ended := src.poll(w)
			if ended {
				return ExitOK
			}
			if !ok {
				break
			}
			if l.err != nil {
				rep.event(EventError, l.err.Error())
				continue
			}
			switch l.cmd.Cmd {
			case CmdStop:
				return ExitOK
			case CmdStart:
				rep.event(EventError, "start received twice: this node is already running")
			case CmdReport:
				rep.stats(w.Stats(), true)
			default:
				if err := w.Do(l.cmd); err != nil {
					rep.event(EventError, fmt.Sprintf("%s: %v", l.cmd.Cmd, err))
				}
			}
		}
		if now := w.now(); now >= nextStats {
			rep.stats(w.Stats(), false)
			nextStats = now + statsEvery
		}
	}
}

func startWorker(role string, cmd Command) (*Worker, error) {
	if role == "server" {
		if cmd.Server == nil {
			return nil, fmt.Errorf("start for a server needs a \"server\" object")
		}
		return NewServer(*cmd.Server)
	}
	if cmd.Client == nil {
		return nil, fmt.Errorf("start for a client needs a \"client\" object")
	}
	return NewClient(*cmd.Client)
}

func (w *Worker) readyDetail() string {
	if w.role == "server" {
		return fmt.Sprintf("listening on %d sockets, fd limit %d, engine %s%s%s", len(w.listeners), w.st.FDLimit, w.Engine(), w.pool.describe(), w.capNote)
	}
	return fmt.Sprintf("%d targets, fd limit %d%s", w.tg.n, w.st.FDLimit, w.capNote)
}

// readCommands parses lines from in until EOF, then closes lines; wake is
// called after each line so a blocked epoll_wait returns.
func readCommands(in io.Reader, lines chan<- line, wake func()) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		lines <- parseCommand(b)
		wake()
	}
	close(lines)
	wake()
}

// parseCommand decodes one command line.
func parseCommand(b []byte) line {
	var l line
	if err := json.Unmarshal(b, &l.cmd); err != nil {
		l.err = fmt.Errorf("failed to parse command %q: %w", truncate(b, 200), err)
	}
	return l
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// reporter writes Reports as JSON lines.
type reporter struct {
	w   io.Writer
	buf []byte
	// last is the stats object of the last stats line written, at lastAt.
	last   []byte
	lastAt time.Time
}

func (r *reporter) write(rep Report) {
	rep.UnixMilli = time.Now().UnixMilli()
	b, err := json.Marshal(rep)
	if err != nil {
		return
	}
	r.buf = append(append(r.buf[:0], b...), '\n')
	r.w.Write(r.buf)
}

func (r *reporter) event(name, detail string) {
	r.write(Report{Type: ReportEvent, Event: name, Detail: detail})
}

// stats writes a stats report. The histograms are appended to the reused
// buffer by hand (histogram.AppendJSON) rather than through
// encoding/json, which would copy each 17 KB histogram and leave its JSON
// as garbage on every report of a million-connection ramp.
//
// A line whose stats equal the last line's is not written unless
// statsHeartbeat passed since it or force is set (the orchestrator asked
// with a report command): the orchestrator keeps the last line.
func (r *reporter) stats(s Stats, force bool) {
	ch, rh, hh, wh := s.ConnectHist, s.RTTHist, s.HandshakeHist, s.WaitHist
	s.ConnectHist, s.RTTHist, s.HandshakeHist, s.WaitHist = nil, nil, nil, nil
	now := time.Now()
	b, err := json.Marshal(Report{Type: ReportStats, UnixMilli: now.UnixMilli(), Stats: &s})
	if err != nil {
		return
	}
	// The stats object is the report's last member (event and detail are
	// empty, so omitted): b ends with the two closing braces.
	r.buf = append(r.buf[:0], b[:len(b)-2]...)
	if ch != nil {
		r.buf = ch.AppendJSON(append(r.buf, `,"connect_hist":`...))
	}
	if rh != nil {
		r.buf = rh.AppendJSON(append(r.buf, `,"rtt_hist":`...))
	}
	if hh != nil {
		r.buf = hh.AppendJSON(append(r.buf, `,"handshake_hist":`...))
	}
	if wh != nil {
		r.buf = wh.AppendJSON(append(r.buf, `,"wait_hist":`...))
	}
	r.buf = append(r.buf, "}}\n"...)
	if k := bytes.Index(r.buf, []byte(`,"stats":`)); k >= 0 {
		obj := r.buf[k:]
		if !force && bytes.Equal(obj, r.last) && now.Sub(r.lastAt) < statsHeartbeat {
			return
		}
		r.last, r.lastAt = append(r.last[:0], obj...), now
	}
	r.w.Write(r.buf)
}
