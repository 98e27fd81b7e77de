package nodes

import (
	"container/heap"
	"math/rand/v2"
	"time"
)

// Reconnect policies (ClientConfig.Reconnect).
const (
	ReconnectOff         = ""
	ReconnectFixed       = "fixed"
	ReconnectExponential = "exponential"
)

// fRecon marks a client connection opened by a reconnect (in connecting
// state and until its handshake is done): its completion is counted as a
// reconnect, not in the connect command's counts. The bit is the server's
// fReplied; a client never sets that.
const fRecon = fReplied

// reconnect is one connection waiting to be opened again: its index,
// how many attempts failed since it was lost, and when it is due.
type reconnect struct {
	due     time.Duration
	idx     uint32
	attempt uint8
}

// reconnectQueue is a min-heap of reconnects by due time. It holds only
// connections that are lost and not yet back: nothing while all is well.
type reconnectQueue []reconnect

func (q reconnectQueue) Len() int           { return len(q) }
func (q reconnectQueue) Less(i, j int) bool { return q[i].due < q[j].due }
func (q reconnectQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *reconnectQueue) Push(x any)        { *q = append(*q, x.(reconnect)) }
func (q *reconnectQueue) Pop() any {
	old := *q
	r := old[len(old)-1]
	*q = old[:len(old)-1]
	return r
}

// lostConn queues connection fd (closing) to be opened again: one that
// was ready starts its backoff afresh, one still reconnecting (taken by
// the server, its handshake refused or cut) backs off one step further,
// as a failed connect does.
func (w *Worker) lostConn(fd int, c *conn) {
	attempt := uint8(0)
	if c.flags&fRecon != 0 {
		attempt = min(w.connTries[fd], 254) + 1
	}
	w.lost(w.connIdx[fd], attempt)
}

// reconnectBatch is the most reconnects one loop turn starts.
const reconnectBatch = 1024

// reconnectDelay is the wait before attempt (0 = the first after the
// loss): Delay, or Delay × 2^attempt up to MaxDelay; with jitter, a
// uniform draw from [0, that] ("full jitter").
func (w *Worker) reconnectDelay(attempt uint8) time.Duration {
	d := w.cli.ReconnectDelay
	if w.cli.Reconnect == ReconnectExponential {
		for i := uint8(0); i < attempt && d < w.cli.ReconnectMaxDelay; i++ {
			d *= 2
		}
		d = min(d, w.cli.ReconnectMaxDelay)
	}
	if w.cli.ReconnectJitter && d > 0 {
		d = time.Duration(rand.Int64N(int64(d) + 1))
	}
	return d
}

// lost queues connection idx to be opened again (a connection the server
// closed or reset, or an attempt of a reconnect that failed).
func (w *Worker) lost(idx uint32, attempt uint8) {
	heap.Push(&w.recon, reconnect{due: w.now() + w.reconnectDelay(attempt), idx: idx, attempt: attempt})
	w.st.ReconnectsPending = int64(len(w.recon))
}

// runReconnect starts the reconnects that are due.
func (w *Worker) runReconnect(now time.Duration) {
	for n := 0; n < reconnectBatch && len(w.recon) > 0 && w.recon[0].due <= now; n++ {
		r := heap.Pop(&w.recon).(reconnect)
		w.st.Reconnects++
		w.dialing = fRecon
		w.dial(now, r.idx, r.attempt, r.due)
		w.dialing = 0
	}
	w.st.ReconnectsPending = int64(len(w.recon))
}

// reconnectWait is how long the loop may sleep before the next reconnect.
func (w *Worker) reconnectWait(now time.Duration) time.Duration {
	return max(w.recon[0].due-now, 0)
}

// reconnected counts a reconnect that is back (established, and ready
// when the protocol has a handshake).
func (w *Worker) reconnected(c *conn) {
	c.flags &^= fRecon
	w.st.Reconnected++
}
