package nodes

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// closeJob is the state of one close command.
type closeJob struct {
	active bool
	left   int // closes still to issue
	issued int
	cursor int // next fd to look at
	rst    bool
	bucket bucket
	// deferred counts the closes waiting for a request in flight to be
	// answered (a protocol's: see pbCloseAfter); they are forced at
	// drainEnd.
	deferred int
	drainEnd time.Duration
}

// closeDrain bounds how long a close waits for the replies in flight on
// the connections it closes.
const closeDrain = time.Second

// sendJob is the state of one send command. Its done rule: send-done comes
// when every connection has written its bytes, failed or closed — or when
// no byte at all could be written for 2 s (full buffers everywhere, as in
// the tcp_mem lab); the conns still short then are reported as stalled
// and their remaining bytes dropped.
type sendJob struct {
	active   bool
	conns    int   // connections still writing
	total    int   // connections that started
	failed   int   // connections that closed before finishing
	written  int64 // bytes written by this job
	progress time.Duration
}

// Do applies one command (connect, close, send or traffic) to the worker. Start and
// stop are handled by Main; a worker is started by NewServer or NewClient
// and stopped by Close.
func (w *Worker) Do(cmd Command) error {
	switch cmd.Cmd {
	case CmdConnect:
		return w.startConnect(cmd.Count, cmd.Rate, cmd.InFlight, cmd.Window)
	case CmdClose:
		return w.startClose(cmd.Fraction, cmd.Mode, cmd.Rate)
	case CmdSend:
		return w.startSend(cmd.Bytes)
	case CmdTraffic:
		return w.startTraffic(cmd)
	default:
		return fmt.Errorf("unknown command %q: use start, connect, close, send, traffic or stop", cmd.Cmd)
	}
}

func (w *Worker) startClose(fraction float64, mode string, rate int) error {
	if w.clj.active {
		return errBusy
	}
	if !(fraction > 0 && fraction <= 1) {
		return fmt.Errorf("close needs 0 < fraction <= 1 (got %g)", fraction)
	}
	var rst bool
	switch mode {
	case "", "fin":
	case "rst":
		rst = true
	default:
		return fmt.Errorf("unknown close mode %q: use fin or rst", mode)
	}
	n := int(math.Round(fraction * float64(w.st.Established)))
	w.clj = closeJob{active: true, left: n, rst: rst}
	w.clj.bucket.reset(rate, w.now())
	w.runClose(w.now())
	return nil
}

// closeBatch is the most closes one loop turn issues: a close-all of 20k
// sockets takes the kernel a second or more, and between batches the loop
// handles events and sends its stats line, so the orchestrator watches the
// storm happen instead of a worker that fell silent.
const closeBatch = 512

// runClose closes established connections in fd order as tokens allow.
func (w *Worker) runClose(now time.Duration) {
	j := &w.clj
	for batch := 0; j.left > 0 && batch < closeBatch && j.bucket.take(now); batch++ {
		for j.cursor < len(w.conns) && w.conns[j.cursor].state != stOpen {
			j.cursor++
		}
		if j.cursor >= len(w.conns) {
			j.left = 0
			break
		}
		if c := &w.conns[j.cursor]; w.proto != nil && c.pb&pbWaiting != 0 {
			// A request is in flight: closing now would make its reply
			// meet a closed socket, which answers with a reset. The
			// connection closes when the reply is in (or at drainEnd).
			c.pb |= pbCloseAfter
			if j.rst {
				c.pb |= pbCloseRST
			}
			j.deferred++
			j.cursor++
		} else {
			w.closeConn(j.cursor, true, j.rst)
		}
		j.left--
		j.issued++
	}
	if j.left > 0 {
		return
	}
	if j.deferred > 0 {
		if j.drainEnd == 0 {
			j.drainEnd = now + closeDrain
		}
		if now < j.drainEnd {
			return
		}
		for fd := range w.conns {
			if c := &w.conns[fd]; c.state == stOpen && c.pb&pbCloseAfter != 0 {
				w.closeConn(fd, true, c.pb&pbCloseRST != 0)
			}
		}
	}
	j.active = false
	w.emit(EventCloseDone, fmt.Sprintf("%d closed", j.issued))
}

func (w *Worker) startSend(bytes int64) error {
	if w.framed() {
		return fmt.Errorf("send writes raw bytes, which would garble a protocol's stream: use a traffic phase with a protocol")
	}
	if w.sj.active {
		return errBusy
	}
	if w.tf.active {
		return fmt.Errorf("send cannot run during a traffic run (an echoing server would mix its bytes into the replies); wait for %s", EventTrafficDone)
	}
	if bytes <= 0 || bytes > math.MaxUint32 {
		return fmt.Errorf("send needs 0 < bytes <= %d (got %d)", uint32(math.MaxUint32), bytes)
	}
	if w.zeros == nil {
		w.zeros = make([]byte, zeroBufSize)
	}
	w.sj = sendJob{active: true, progress: w.now()}
	for fd := range w.conns {
		c := &w.conns[fd]
		if c.state != stOpen || c.flags&(fMsg|fSend|fPart) != 0 {
			continue
		}
		c.flags |= fSend
		c.left = uint32(bytes)
		w.sj.conns++
		w.sj.total++
	}
	// Mark every connection before the first write: one that finishes at
	// once must not end the job while others are still unmarked.
	for fd := range w.conns {
		if c := &w.conns[fd]; c.flags&fSend != 0 && w.sj.active {
			w.flush(fd, c)
		}
	}
	if w.sj.active && w.sj.conns == 0 {
		w.finishSend()
	}
	return nil
}

// flush writes what conn c still owes (message rest, send bytes or the
// rest of a traffic message) until done or EAGAIN; it returns false when
// the conn was closed.
func (w *Worker) flush(fd int, c *conn) bool {
	for c.left > 0 {
		var b []byte
		if c.flags&fMsg != 0 {
			w.sbuf = w.msg.appendTo(w.sbuf[:0], int64(w.cli.IndexBase)+int64(c.idx))
			b = w.sbuf[len(w.sbuf)-int(c.left):]
		} else if c.flags&fPart != 0 {
			b = w.trafficRest(c)
		} else {
			b = w.zeros
			if int(c.left) < len(b) {
				b = b[:c.left]
			}
		}
		w.st.Syscalls++
		n, err := rawWrite(fd, b)
		if err != nil {
			if err == unix.EAGAIN {
				w.armOut(fd, c)
				return true
			}
			if err == unix.EINTR {
				continue
			}
			w.errs.add(err)
			w.closeConn(fd, false, false)
			return false
		}
		c.left -= uint32(n)
		w.st.BytesOut += int64(n)
		if c.flags&fSend != 0 {
			w.sj.written += int64(n)
			w.sj.progress = w.now()
		}
	}
	if c.flags&fSend != 0 {
		c.flags &^= fSend
		w.sendEnded(true)
	}
	if c.flags&fPart != 0 {
		c.flags &^= fPart | fCut
		w.msgSent()
	}
	c.flags &^= fMsg
	return true
}

// sendEnded notes that one connection of the send job finished (ok) or
// closed before finishing.
func (w *Worker) sendEnded(ok bool) {
	if !w.sj.active {
		return
	}
	if !ok {
		w.sj.failed++
	}
	w.sj.conns--
	if w.sj.conns == 0 {
		w.finishSend()
	}
}

// finishSend ends the send job, dropping what stalled connections still owe.
func (w *Worker) finishSend() {
	stalled := w.sj.conns
	if stalled > 0 {
		for fd := range w.conns {
			c := &w.conns[fd]
			if c.flags&fSend != 0 {
				c.flags &^= fSend
				c.left = 0
			}
		}
	}
	j := w.sj
	w.sj = sendJob{}
	w.emit(EventSendDone, fmt.Sprintf("%d bytes written; %d conns complete, %d closed, %d stalled",
		j.written, j.total-j.failed-stalled, j.failed, stalled))
}
