package nodes

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// A traffic message is Bytes long:
//
//	bytes 0..7    intended send time, CLOCK_MONOTONIC ns, little endian
//	bytes 8..15   marker: "c1m-beat", or "c1m-skip" when a short write cut
//	              the time field (the rest of such a message carries zeros
//	              there: its reply is answered but not timed)
//	bytes 16..    zeros
//
// The server echoes it; the client times the reply from the intended send
// time it carries, so the round trip needs no per-connection clock and a
// late send counts as latency (no coordinated omission).
var (
	markBeat = [8]byte{'c', '1', 'm', '-', 'b', 'e', 'a', 't'}
	markSkip = [8]byte{'c', '1', 'm', '-', 's', 'k', 'i', 'p'}
)

// Error names of traffic conditions that are not errnos.
const (
	errTrafficCut     = "traffic-cut"     // a short write stopped inside a message's time field: that reply is not timed
	errTrafficGarbled = "traffic-garbled" // a reply did not match the message format: the connection leaves the run
)

// trafficBatch is the most sends one loop turn issues: a loop that fell
// behind the schedule catches up in batches and handles its socket
// events (replies, connects, commands) in between.
const trafficBatch = 1024

// trafficJob is the state of one traffic command: a timing wheel whose
// slots are the connection table itself. The hand (cursor) sweeps the
// table in fd order once per interval; send k of the run goes to the next
// participant after the hand, at start + (k / n) × interval +
// (k mod n) × interval / n, so connection i of n first sends at
// i/n × interval and every interval after. No timer and no list per
// connection: a flag marks the participants.
type trafficJob struct {
	active   bool // from the command until traffic-done
	sending  bool // before the end of the duration
	bytes    int  // message size; kept after the run to frame late replies
	interval time.Duration
	duration time.Duration
	start    time.Duration // loop clock of send 0
	n        int64         // participants at the start
	live     int64         // participants still open and in step
	k        int64         // next send of the run
	cursor   int           // the hand: next fd to look at
	hi       int           // one past the highest participant fd
	drainEnd time.Duration // traffic-done at the latest

	asked, sent, answered int64 // this run's
}

// intended is the loop-clock time send k is due.
func (j *trafficJob) intended(k int64) time.Duration {
	r, i := k/j.n, k%j.n
	return j.start + time.Duration(r)*j.interval + time.Duration(i*int64(j.interval)/j.n)
}

// mono converts the loop clock to CLOCK_MONOTONIC nanoseconds.
func (w *Worker) mono(t time.Duration) uint64 { return uint64(w.monoBase + int64(t)) }

func (w *Worker) startTraffic(cmd Command) error {
	if w.role != "client" {
		return fmt.Errorf("traffic is a client command; this node is a %s", w.role)
	}
	if w.tf.active {
		return errBusy
	}
	if w.sj.active {
		return fmt.Errorf("traffic cannot run while a send command writes (its bytes would be echoed into the replies); wait for send-done")
	}
	if cmd.Bytes < TrafficMinBytes || cmd.Bytes > TrafficMaxBytes {
		return fmt.Errorf("traffic needs %d <= bytes <= %d (got %d): 8 bytes of send time and 8 of marker at least", TrafficMinBytes, TrafficMaxBytes, cmd.Bytes)
	}
	if cmd.Interval < TrafficMinInterval || cmd.Interval > TrafficMaxInterval {
		return fmt.Errorf("traffic needs %v <= interval_ns <= %v (got %v)", TrafficMinInterval, TrafficMaxInterval, cmd.Interval)
	}
	if cmd.Duration <= 0 || cmd.Duration > 100*TrafficMaxInterval {
		return fmt.Errorf("traffic needs 0 < duration_ns <= %v (got %v)", 100*TrafficMaxInterval, cmd.Duration)
	}
	if !(cmd.Fraction > 0 && cmd.Fraction <= 1) {
		return fmt.Errorf("traffic needs 0 < fraction <= 1 (got %g)", cmd.Fraction)
	}
	if w.proto == nil && w.tf.bytes != 0 && w.tf.bytes != int(cmd.Bytes) {
		// Replies still due from the previous run are framed by its size.
		w.resetFraming()
	}
	j := trafficJob{active: true, sending: true, bytes: int(cmd.Bytes), interval: cmd.Interval, duration: cmd.Duration}
	want := int64(math.Ceil(cmd.Fraction * float64(w.st.Established)))
	for fd := range w.conns {
		c := &w.conns[fd]
		if j.n == want {
			break
		}
		// A connection whose Message is still going out keeps its index
		// in idx, which replies would overwrite: it sits this run out.
		if c.state != stOpen || c.flags&(fMsg|fSend) != 0 {
			continue
		}
		if w.proto != nil && c.pb&pbReady == 0 {
			continue // its handshake is not done
		}
		c.flags |= fTx
		if w.proto == nil && c.flags&fRx == 0 {
			c.flags |= fRx
			c.sub = 0
			c.setRxStamp(0)
		}
		j.n++
		j.hi = fd + 1
	}
	j.live = j.n
	if len(w.txbuf) != j.bytes {
		w.txbuf = make([]byte, j.bytes)
		w.txskip = make([]byte, j.bytes)
	}
	copy(w.txbuf[8:], markBeat[:])
	copy(w.txskip[8:], markSkip[:])
	j.start = w.now()
	w.tf = j
	if j.n == 0 {
		w.stopSending(j.start)
	}
	w.runTraffic(w.now())
	return nil
}

// resetFraming forgets every reply half read and every message half
// written (a new message size): a connection that had either is out of
// step, and its next replies count as garbled.
func (w *Worker) resetFraming() {
	for fd := range w.conns {
		c := &w.conns[fd]
		if c.flags&fRx != 0 {
			c.flags &^= fRx | fRxSkip
			c.sub = 0
			c.setRxStamp(0)
		}
		if c.flags&fPart != 0 {
			c.flags &^= fPart | fCut
			c.left = 0
		}
	}
}

// runTraffic sends what the schedule has made due (at most trafficBatch)
// and ends the run when its replies are in or awaited long enough.
func (w *Worker) runTraffic(now time.Duration) {
	j := &w.tf
	if j.sending {
		end := j.start + j.duration
		wrapped := false
		for batch := 0; batch < trafficBatch; {
			t := j.intended(j.k)
			if t >= end {
				w.stopSending(now)
				break
			}
			if t > now {
				break
			}
			for j.cursor < j.hi && w.conns[j.cursor].flags&fTx == 0 {
				j.cursor++
			}
			if j.cursor >= j.hi {
				// The hand passed the last participant: the rest of this
				// round's sends were of closed connections.
				if wrapped || j.live == 0 {
					w.stopSending(now)
					break
				}
				wrapped = true
				j.cursor = 0
				j.k = (j.k + j.n - 1) / j.n * j.n
				continue
			}
			wrapped = false
			fd := j.cursor
			j.cursor++
			j.k++
			batch++
			w.sendTraffic(fd, &w.conns[fd], t)
		}
	}
	if j.active && !j.sending && (j.answered >= j.sent || j.live == 0 || now >= j.drainEnd) {
		w.finishTraffic()
	}
}

// stopSending ends the sending part of the run: replies are awaited up to
// one interval + TrafficDrain.
func (w *Worker) stopSending(now time.Duration) {
	w.tf.sending = false
	w.tf.drainEnd = now + w.tf.interval + TrafficDrain
}

// sendTraffic writes one message intended at t. A connection that cannot
// take it now (write returns EAGAIN, or its previous message is still
// part-written) drops it: counted as asked and under EAGAIN, not sent, not
// retried. Other write errors close the connection.
func (w *Worker) sendTraffic(fd int, c *conn, t time.Duration) {
	if w.proto != nil {
		w.sendProtoTraffic(fd, c, t)
		return
	}
	w.st.MsgAsked++
	w.tf.asked++
	if c.left > 0 {
		w.errs.add(unix.EAGAIN)
		return
	}
	binary.LittleEndian.PutUint64(w.txbuf, w.mono(t))
	for {
		w.st.Syscalls++
		n, err := rawWrite(fd, w.txbuf)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			w.errs.add(err)
			if err != unix.EAGAIN {
				w.closeConn(fd, false, false)
			}
			return
		}
		w.st.BytesOut += int64(n)
		if n < len(w.txbuf) {
			c.left = uint32(len(w.txbuf) - n)
			c.flags |= fPart
			if n < 8 {
				c.flags |= fCut
				w.errs.addName(errTrafficCut)
			}
			return
		}
		w.msgSent()
		return
	}
}

func (w *Worker) msgSent() {
	w.st.MsgSent++
	if w.tf.active {
		w.tf.sent++
	}
}

// trafficRest is the rest of a part-written traffic message: past the
// time field the message is the same for every send; a message cut inside
// it goes on unmeasured (zeros, then the skip marker).
func (w *Worker) trafficRest(c *conn) []byte {
	b := w.txbuf
	if c.flags&fCut != 0 {
		b = w.txskip
	}
	return b[len(b)-int(c.left):]
}

// replies reads traffic replies out of b: whole ones straight from the
// buffer, one cut by the read byte by byte into the slot (sub = bytes read
// so far, idx and aux = its send time). It returns false when the
// connection left the run (garbled input); the caller discards the rest.
func (w *Worker) replies(c *conn, b []byte, now uint64) bool {
	size := w.tf.bytes
	for len(b) > 0 {
		off := int(c.sub)
		if off == 0 && len(b) >= size {
			m := b[:size]
			b = b[size:]
			switch [8]byte(m[8:16]) {
			case markBeat:
				w.answered(now, tick(binary.LittleEndian.Uint64(m)), true)
			case markSkip:
				w.answered(now, 0, false)
			default:
				w.garbled(c)
				return false
			}
			continue
		}
		switch {
		case off < 8:
			c.addStampByte(off, b[0])
			b = b[1:]
			off++
		case off < 16:
			x := b[0]
			switch {
			case off == 12 && x == markSkip[4]:
				c.flags |= fRxSkip
			case c.flags&fRxSkip != 0 && x == markSkip[off-8]:
			case c.flags&fRxSkip == 0 && x == markBeat[off-8]:
			default:
				w.garbled(c)
				return false
			}
			b = b[1:]
			off++
		default:
			k := min(len(b), size-off)
			b = b[k:]
			off += k
		}
		if off == size {
			w.answered(now, c.rxStamp(), c.flags&fRxSkip == 0)
			c.flags &^= fRxSkip
			off = 0
			c.setRxStamp(0)
		}
		c.sub = uint16(off)
	}
	return true
}

// answered counts one reply read whole and, when timed, records its round
// trip from now (CLOCK_MONOTONIC ns) back to the intended send time sent
// (in ticks: see conn).
func (w *Worker) answered(now uint64, sent uint32, timed bool) {
	w.st.MsgAnswered++
	if w.tf.active {
		w.tf.answered++
	}
	if timed {
		w.rttHist.Record(sinceTick(now, sent))
	}
}

// garbled takes a connection whose input stopped matching the message
// format out of the run (and out of reply parsing): an echo cut short
// (the server's echo-short), or bytes echoed from before the run.
func (w *Worker) garbled(c *conn) {
	w.errs.addName(errTrafficGarbled)
	if c.flags&fTx != 0 && w.tf.active {
		w.tf.live--
	}
	c.flags &^= fTx | fRx | fRxSkip
	c.sub = 0
	c.setRxStamp(0)
}

// trafficClosed notes that a participant closed.
func (w *Worker) trafficClosed(c *conn) {
	if c.flags&fTx != 0 && w.tf.active {
		w.tf.live--
	}
}

// finishTraffic ends the run: participants stop sending (their replies
// still due are framed and counted if they come) and traffic-done is
// emitted.
func (w *Worker) finishTraffic() {
	j := &w.tf
	for fd := 0; fd < j.hi && fd < len(w.conns); fd++ {
		w.conns[fd].flags &^= fTx
		// A request owed for a reply still out is not sent after the
		// run: asked, not sent.
		w.conns[fd].pb &^= pbOwed
	}
	j.active, j.sending = false, false
	w.emit(EventTrafficDone, fmt.Sprintf("%d asked, %d sent, %d answered; %d of %d connections still in the run",
		j.asked, j.sent, j.answered, j.live, j.n))
}
