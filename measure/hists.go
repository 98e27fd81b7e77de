package measure

import (
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
)

// Hists are the cumulative latency histograms of one client worker (as it
// last reported them) or of many merged: connect latency, message round
// trips and protocol handshakes. 34 KB, a value with no pointers: `a = b`
// is a snapshot.
type Hists struct {
	Connect, RTT, Handshake histogram.Histogram
	// Wait is the sampled connects' loop wait (nodes.Stats.WaitHist).
	Wait histogram.Histogram
}

// Reset empties every histogram.
func (h *Hists) Reset() {
	h.Connect.Reset()
	h.RTT.Reset()
	h.Handshake.Reset()
	h.Wait.Reset()
}

// Merge adds every recording of o to h.
func (h *Hists) Merge(o *Hists) {
	h.Connect.Merge(&o.Connect)
	h.RTT.Merge(&o.RTT)
	h.Handshake.Merge(&o.Handshake)
	h.Wait.Merge(&o.Wait)
}

// Delta sets h to the recordings of cur that are not in prev (an earlier
// snapshot of the same merged histograms): one interval's or one phase's.
// A prev that is not earlier (a worker restarted its histogram, which
// nodes never do) leaves the whole of cur, the closest honest answer.
func (h *Hists) Delta(cur, prev *Hists) {
	if h.Connect.Delta(&cur.Connect, &prev.Connect) != nil {
		h.Connect = cur.Connect
	}
	if h.RTT.Delta(&cur.RTT, &prev.RTT) != nil {
		h.RTT = cur.RTT
	}
	if h.Handshake.Delta(&cur.Handshake, &prev.Handshake) != nil {
		h.Handshake = cur.Handshake
	}
	if h.Wait.Delta(&cur.Wait, &prev.Wait) != nil {
		h.Wait = cur.Wait
	}
}

// Traffic are the traffic counters of the client side, cumulative.
type Traffic struct {
	Asked, Sent, Answered int64
	BytesOut, BytesIn     int64
}

// Sub returns c - o.
func (c Traffic) Sub(o Traffic) Traffic {
	return Traffic{c.Asked - o.Asked, c.Sent - o.Sent, c.Answered - o.Answered, c.BytesOut - o.BytesOut, c.BytesIn - o.BytesIn}
}

// P99 is h's 99th percentile, 0 when h is empty.
func P99(h *histogram.Histogram) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return h.ValueAt(0.99)
}
