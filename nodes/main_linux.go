package nodes

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"time"

	"golang.org/x/sys/unix"
)

// statsEvery is the period of stats lines.
const statsEvery = 250 * time.Millisecond

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
// Main locks its OS thread for good and drops CAP_SYS_ADMIN from it once the
// worker started, so that fs.file-max binds the worker as it binds any
// server: call it as the last thing a process does.
func Main(role string, in io.Reader, out io.Writer) int {
	runtime.LockOSThread() // never unlocked: this thread gives up a capability
	// Timers of this thread (epoll_pwait2's timeout) fire within 1 µs
	// instead of the default 50 µs slack: a traffic send that wakes late
	// is timed from its intended time, so the slack would show as RTT.
	unix.Prctl(unix.PR_SET_TIMERSLACK, 1000, 0, 0, 0)
	rep := &reporter{w: out}
	if role != "server" && role != "client" {
		rep.event(EventError, fmt.Sprintf("unknown role %q: use server or client", role))
		return ExitUsage
	}
	lines := make(chan line, 64)
	var w *Worker
	wake := make(chan struct{}) // closed once the worker exists
	go readCommands(in, lines, func() {
		select {
		case <-wake:
			w.Wake()
		default:
		}
	})

	// Before start: block on the channel.
	for w == nil {
		l, ok := <-lines
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
			if err := dropSysAdmin(); err != nil {
				w.capNote = "; " + err.Error() + " (fs.file-max will not bind this worker)"
			}
		}
	}
	defer w.Close()
	w.OnEvent = rep.event
	close(wake)
	rep.event(EventReady, w.readyDetail())
	rep.stats(w.Stats())
	nextStats := w.now() + statsEvery
	for {
		if err := w.Poll(nextStats - w.now()); err != nil {
			rep.event(EventError, err.Error())
			return ExitStart
		}
		for drained := false; !drained; {
			select {
			case l, ok := <-lines:
				if !ok {
					return ExitOK
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
				default:
					if err := w.Do(l.cmd); err != nil {
						rep.event(EventError, fmt.Sprintf("%s: %v", l.cmd.Cmd, err))
					}
				}
			default:
				drained = true
			}
		}
		if now := w.now(); now >= nextStats {
			rep.stats(w.Stats())
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
		return fmt.Sprintf("listening on %d sockets, fd limit %d%s%s", len(w.listeners), w.st.FDLimit, w.pool.describe(), w.capNote)
	}
	return fmt.Sprintf("%d targets, fd limit %d%s", len(w.targets), w.st.FDLimit, w.capNote)
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
		var l line
		if err := json.Unmarshal(b, &l.cmd); err != nil {
			l.err = fmt.Errorf("failed to parse command %q: %w", truncate(b, 200), err)
		}
		lines <- l
		wake()
	}
	close(lines)
	wake()
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
func (r *reporter) stats(s Stats) {
	ch, rh := s.ConnectHist, s.RTTHist
	s.ConnectHist, s.RTTHist = nil, nil
	b, err := json.Marshal(Report{Type: ReportStats, UnixMilli: time.Now().UnixMilli(), Stats: &s})
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
	r.buf = append(r.buf, "}}\n"...)
	r.w.Write(r.buf)
}
