package nodes

import (
	"time"

	"golang.org/x/sys/unix"
)

// A client connection that speaks a protocol (w.proto != nil) lives like
// this in its slot (the framer's fields: see proto.go):
//
//	after connect    the hello goes out; left = the tick it was
//	                 established (the handshake's start), idx = its index
//	ready (pbReady)  the framer's answer accepted: handshake timed, left 0;
//	                 keep-alives and traffic requests may go out
//
// A write the socket cuts short keeps its rest in w.pending (fMsg set): a
// frame must go out whole or the stream is lost, and the rest of a
// masked or stamped request cannot be rebuilt. That happens only when a
// socket's send buffer is full, so the map stays empty in a healthy run.
// While a rest is pending, new requests are dropped (counted under
// EAGAIN, as for echo) and pongs are queued behind it.

// errReplyPending counts a timed request of an in-order protocol dropped
// because an earlier one is still unanswered and another already waits.
const errReplyPending = "reply-pending"

// errUnexpectedReply counts a reply of an in-order protocol with no
// request in flight: the server answered something never asked.
const errUnexpectedReply = "unexpected-reply"

// helloConn starts a new connection's handshake (finishConnect, on the
// first writable event). It returns false when the connection ended.
func (w *Worker) helloConn(fd int, c *conn) bool {
	w.pbuf = w.proto.hello(w.pbuf[:0], c.idx, fd)
	if len(w.pbuf) == 0 {
		c.pb |= pbReady
		w.st.Ready++
		return true
	}
	c.left = tick(w.mono(w.now()))
	return w.writeProto(fd, c, w.pbuf, false)
}

// writeProto writes b, a whole frame, on fd: what the socket does not
// take now is kept in w.pending and flushed on the next writable event.
// With a rest already pending, b is queued behind it when queue is set
// (pongs, hellos) and dropped otherwise (the caller counted the drop).
// It returns false when the connection ended.
func (w *Worker) writeProto(fd int, c *conn, b []byte, queue bool) bool {
	if c.flags&fMsg != 0 {
		if queue {
			w.pending[int32(fd)] = append(w.pending[int32(fd)], b...)
		}
		return true
	}
	for {
		w.st.Syscalls++
		n, err := rawWrite(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil && err != unix.EAGAIN {
			w.errs.add(err)
			if w.feeding && fd == w.curFD {
				// Inside feed the framer still holds the slot: the
				// connection ends when feed returns.
				w.curGone = true
			} else {
				w.closeConn(fd, false, false)
			}
			return false
		}
		if n > 0 {
			w.st.BytesOut += int64(n)
			c.pb |= pbActive
		}
		if n < len(b) {
			if w.pending == nil {
				w.pending = make(map[int32][]byte)
			}
			w.pending[int32(fd)] = append([]byte(nil), b[max(n, 0):]...)
			c.flags |= fMsg
			w.armOut(fd, c) // io_uring: the armed poll waits for writable too
		}
		return true
	}
}

// flushProto writes the rest pending for fd; it returns false when the
// connection ended.
func (w *Worker) flushProto(fd int, c *conn) bool {
	b := w.pending[int32(fd)]
	for len(b) > 0 {
		w.st.Syscalls++
		n, err := rawWrite(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			w.pending[int32(fd)] = b
			return true
		}
		if err != nil {
			w.errs.add(err)
			w.closeConn(fd, false, false)
			return false
		}
		w.st.BytesOut += int64(n)
		b = b[n:]
	}
	delete(w.pending, int32(fd))
	c.flags &^= fMsg
	return true
}

// feedProto frames input b of fd through the protocol; it returns false
// when the connection ended.
func (w *Worker) feedProto(fd int, c *conn, b []byte, now uint64) bool {
	w.curFD, w.rxNow, w.curGone, w.feeding, w.closeAfterFeed = fd, now, false, true, false
	ok := w.proto.feed(c, b, (*protoSink)(w))
	w.feeding = false
	if w.curGone {
		w.closeConn(fd, false, false)
		return false
	}
	if w.closeAfterFeed {
		// A close command waited for this reply.
		w.closeAfterFeed = false
		w.closeConn(fd, true, c.pb&pbCloseRST != 0)
		return false
	}
	if !ok {
		w.closeConn(fd, true, false)
		return false
	}
	return true
}

// protoSink is the worker seen as the framer's sink: a type of its own
// so that the sink's methods (ready, reply, ping, …) do not read as the
// worker's.
type protoSink Worker

// ready is sink.ready: the handshake was accepted.
func (s *protoSink) ready(c *conn) {
	w := (*Worker)(s)
	if w.curGone || c.pb&pbReady != 0 {
		return
	}
	w.hsHist.Record(sinceTick(w.rxNow, c.left))
	c.left = 0
	c.pb |= pbReady
	w.st.Handshakes++
	w.st.Ready++
	if c.flags&fRecon != 0 || w.cj.active {
		w.attemptDone(w.curFD, c)
	}
}

// refused is sink.refused: counted by kind; the framer returns false and
// the connection ends.
func (s *protoSink) refused(c *conn, kind string) { s.errs.addName(kind) }

// garbled is sink.garbled: counted by kind; the connection ends.
func (s *protoSink) garbled(c *conn, kind string) { s.errs.addName(kind) }

// push is sink.push.
func (s *protoSink) push(c *conn) { s.st.Pushes++ }

// status is sink.status: replies by class.
func (s *protoSink) status(c *conn, class string) {
	w := (*Worker)(s)
	if len(class) == 3 && class[0] >= '1' && class[0] <= '5' {
		w.statuses[class[0]-'0']++
		return
	}
	w.statuses[0]++
}

// ping is sink.ping: a server ping's payload, answered with a pong once
// whole (a ping split over reads is gathered per fd in w.pings).
func (s *protoSink) ping(c *conn, payload []byte, last bool) {
	w := (*Worker)(s)
	fd := w.curFD
	if w.curGone {
		return
	}
	if part, ok := w.pings[int32(fd)]; ok || !last {
		if w.pings == nil {
			w.pings = make(map[int32][]byte)
		}
		part = append(part, payload...)
		if !last {
			w.pings[int32(fd)] = part
			return
		}
		delete(w.pings, int32(fd))
		payload = part
	}
	w.pbuf = w.proto.pong(w.pbuf[:0], payload)
	w.st.Pongs++
	w.writeProto(fd, c, w.pbuf, true)
}

// reply is sink.reply: one reply read whole.
func (s *protoSink) reply(c *conn, stamp uint32, echoed, timed bool) {
	w := (*Worker)(s)
	if w.curGone {
		return
	}
	if echoed {
		if timed {
			w.answered(w.rxNow, stamp, true)
		} else {
			w.st.KeepAnswered++
			w.keepAnswered(c)
		}
		return
	}
	if w.proto.echoes() {
		// Timed replies carry their stamp: one in order answers a
		// keep-alive (mqtt's PINGRESP when publishes are timed).
		w.st.KeepAnswered++
		w.keepAnswered(c)
		return
	}
	if c.pb&pbWaiting == 0 {
		w.errs.addName(errUnexpectedReply)
		return
	}
	wasTimed := c.pb&pbTimed != 0
	if wasTimed {
		w.answered(w.rxNow, c.idx, true)
	} else {
		w.st.KeepAnswered++
	}
	c.pb &^= pbWaiting | pbTimed
	if c.pb&pbCloseAfter != 0 {
		w.closeAfterFeed = true
		return
	}
	if c.pb&pbOwed == 0 {
		return
	}
	// The request that came due while this one was out goes now, timed
	// from when it was due: one interval after the one just answered if
	// that was timed (sends to a connection are an interval apart), else
	// idx already holds its time (sendProtoTraffic put it there).
	c.pb &^= pbOwed
	due := c.idx
	if wasTimed {
		due += uint32(w.tf.interval >> tickShift)
	}
	w.sendInOrder(w.curFD, c, due)
}

// keepAnswered clears the keep-alive in flight of an echoing protocol's
// connection (its close may have waited for it).
func (w *Worker) keepAnswered(c *conn) {
	c.pb &^= pbWaiting
	if c.pb&pbCloseAfter != 0 {
		w.closeAfterFeed = true
	}
}

// sendInOrder writes a timed request of an in-order protocol, due at tick
// due, and marks it in flight.
func (w *Worker) sendInOrder(fd int, c *conn, due uint32) {
	w.pbuf = w.proto.request(w.pbuf[:0], w.fromTick(due), fd)
	c.pb |= pbWaiting | pbTimed
	c.idx = due
	if w.writeProto(fd, c, w.pbuf, false) {
		w.msgSent()
	}
}

// fromTick turns a tick back into CLOCK_MONOTONIC ns near now (ticks wrap
// every 18 minutes; a request is never that old).
func (w *Worker) fromTick(t uint32) uint64 {
	now := w.mono(w.now())
	return now - uint64(tick(now)-t)<<tickShift
}

// sendProtoTraffic is sendTraffic for a protocol: one timed request
// intended at t (loop clock).
func (w *Worker) sendProtoTraffic(fd int, c *conn, t time.Duration) {
	w.st.MsgAsked++
	w.tf.asked++
	if c.flags&fMsg != 0 {
		w.errs.add(unix.EAGAIN)
		return
	}
	mono := w.mono(t)
	if w.proto.echoes() {
		w.pbuf = w.proto.request(w.pbuf[:0], mono, fd)
		if w.writeProto(fd, c, w.pbuf, false) {
			w.msgSent()
		}
		return
	}
	if c.pb&pbWaiting != 0 {
		if c.pb&pbOwed != 0 {
			w.errs.addName(errReplyPending)
			return
		}
		c.pb |= pbOwed
		if c.pb&pbTimed == 0 {
			// A keep-alive is in flight: idx is free to hold when this
			// one was due (after a timed one it is one interval later).
			c.idx = tick(mono)
		}
		return
	}
	w.sendInOrder(fd, c, tick(mono))
}

// keepJob sends keep-alives: its hand sweeps the table twice per
// keep-alive period, and sends a connection it passes one untimed request
// only when the connection wrote nothing since the hand's last pass (a
// bit in the slot, pbActive): an idle connection sends one every
// keep-alive period, never stays silent longer than that (an MQTT broker
// allows 1.5 ×), and a connection that sends traffic at least every half
// period sends none. At most one is in flight per connection.
type keepJob struct {
	period time.Duration
	start  time.Duration // loop clock of the current sweep
	cursor int
}

// keepSteps is how many times a sweep wakes the loop: the hand moves a
// 64th of the table each time.
const keepSteps = 64

// runKeep sends the keep-alives the hand has passed by now.
func (w *Worker) runKeep(now time.Duration) {
	k := &w.keep
	if k.period <= 0 {
		return
	}
	// The hand sweeps the fds in use (up to the highest so far), so the
	// keep-alives spread over the period however full the table is.
	n := min(w.fdHigh+1, len(w.conns))
	// While a close command closes connections the hand moves on
	// without sending: a keep-alive still in flight when its connection
	// closes comes back to a closed socket, which answers with a reset
	// (the server would count ECONNRESET for a close that was ours).
	send := !w.clj.active
	for now-k.start >= k.period {
		w.keepTo(n, send)
		k.start += k.period
		k.cursor = 0
	}
	w.keepTo(int(int64(n)*int64(now-k.start)/int64(k.period)), send)
}

// keepTo moves the hand to fd end, sending each ready connection it
// passes its keep-alive when send is set.
func (w *Worker) keepTo(end int, send bool) {
	k := &w.keep
	if !send {
		k.cursor = max(k.cursor, end)
		return
	}
	for ; k.cursor < end; k.cursor++ {
		fd := k.cursor
		c := &w.conns[fd]
		if c.state != stOpen || c.pb&pbReady == 0 || c.flags&fMsg != 0 || c.pb&pbWaiting != 0 {
			continue
		}
		if c.pb&pbActive != 0 {
			c.pb &^= pbActive // it spoke since the last pass: not idle
			continue
		}
		w.pbuf = w.proto.keepalive(w.pbuf[:0])
		// One keep-alive in flight per connection, whatever the
		// protocol (a close waits for it: see closeJob).
		c.pb |= pbWaiting
		c.pb &^= pbTimed
		if w.writeProto(fd, c, w.pbuf, false) {
			w.st.KeepSent++
		}
	}
}

// keepWait is how long the loop may sleep before the hand's next step.
func (w *Worker) keepWait(now time.Duration) time.Duration {
	k := &w.keep
	step := k.period / keepSteps
	next := k.start + time.Duration(int64(k.cursor)*int64(k.period)/int64(max(min(w.fdHigh+1, len(w.conns)), 1)))
	return max(min(next+step-now, step), 0)
}

// framed reports whether the worker speaks a protocol (client or server).
func (w *Worker) framed() bool { return w.proto != nil || w.sproto != nil }

// protoClosed forgets what a closing connection had pending.
func (w *Worker) protoClosed(fd int, c *conn) {
	if c.state == stOpen && w.proto != nil {
		if c.pb&pbReady != 0 {
			w.st.Ready--
		} else if c.flags&fRecon != 0 {
			// A reconnect whose handshake failed: closeConn queued it
			// again (with connIdx).
		} else if w.cj.active {
			// Its handshake never completed: the attempt failed.
			w.cj.fail++
			w.cj.done++
			w.checkConnectDone()
		}
	}
	if c.pb&pbCloseAfter != 0 && w.clj.deferred > 0 {
		w.clj.deferred--
	}
	if c.flags&fMsg != 0 {
		delete(w.pending, int32(fd))
	}
	if len(w.pings) > 0 {
		delete(w.pings, int32(fd))
	}
	if len(w.srvPart) > 0 {
		delete(w.srvPart, int32(fd))
	}
}

// statusSnapshot returns the replies by class, nil when none.
func (w *Worker) statusSnapshot() map[string]int64 {
	var m map[string]int64
	for i, n := range w.statuses {
		if n == 0 {
			continue
		}
		if m == nil {
			m = make(map[string]int64)
		}
		name := "other"
		if i > 0 {
			name = string(rune('0'+i)) + "xx"
		}
		m[name] = n
	}
	return m
}
