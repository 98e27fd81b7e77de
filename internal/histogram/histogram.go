package histogram

import (
	"errors"
	"fmt"
	"time"
)

// Histogram is a fixed-size log-linear histogram of durations. The zero
// value is an empty histogram ready to use. It holds no pointers: copying
// it by assignment (prev = cur) is a complete snapshot, and recording never
// allocates.
//
// A Histogram is not safe for concurrent use: each epoll loop owns its own
// and hands copies or merges to whoever reads them.
type Histogram struct {
	counts   [Buckets]uint64
	count    uint64 // sum of counts
	min, max uint64 // exact, in ns, of the (clamped) recorded values; 0 when empty
	sum      uint64 // exact sum in ns of the (clamped) recorded values
	overflow uint64 // recordings above Top, counted at Top
}

// Size is the size of a Histogram in bytes: 2112 counts of 8 bytes and
// five 8-byte totals, 16,936 bytes.
const Size = (Buckets + 5) * 8

// Record adds one recording of d. A negative d is recorded as 0; a d above
// Top is recorded as Top and counted in Overflow.
func (h *Histogram) Record(d time.Duration) {
	h.RecordN(d, 1)
}

// RecordN adds n recordings of d, as n calls of Record would.
func (h *Histogram) RecordN(d time.Duration, n uint64) {
	if n == 0 {
		return
	}
	var v uint64
	switch {
	case d < 0:
	case d > Top:
		v = uint64(Top)
		h.overflow += n
	default:
		v = uint64(d)
	}
	h.counts[indexOf(v)] += n
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.count += n
	h.sum += v * n
}

// Reset empties h.
func (h *Histogram) Reset() {
	*h = Histogram{}
}

// Count returns the number of recordings.
func (h *Histogram) Count() uint64 { return h.count }

// Overflow returns how many recordings were above Top (and recorded as Top).
func (h *Histogram) Overflow() uint64 { return h.overflow }

// Min returns the smallest recording, exactly (a negative one counts as 0);
// 0 when h is empty. After Delta it is a bound, see there.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max returns the largest recording, exactly (at most Top); 0 when h is
// empty. After Delta it is a bound, see there.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Sum returns the sum of all recordings (clamped to [0, Top]), exactly.
// It wraps after 2^64 ns, some 584 years of summed latency.
func (h *Histogram) Sum() time.Duration { return time.Duration(h.sum) }

// Mean returns the exact mean of the recordings, rounded down to the
// nanosecond; 0 when h is empty.
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(h.sum / h.count)
}

// Merge adds every recording of o to h, exactly: the result is the
// histogram of both sets of recordings. h and o may be the same.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	for i := range h.counts {
		h.counts[i] += o.counts[i]
	}
	h.count += o.count
	h.sum += o.sum
	h.overflow += o.overflow
}

// ErrNotEarlier is returned by Delta when prev holds a recording that cur
// does not, so prev is not an earlier snapshot of cur.
var ErrNotEarlier = errors.New("histogram: prev is not an earlier snapshot of cur")

// Delta sets h to the recordings in cur that are not in prev, where prev is
// an earlier snapshot (a copy) of the same histogram: the recordings of one
// interval. Counts, Count, Sum and Overflow are exact. Min and Max cannot be
// known exactly from two snapshots; they are set to the tightest bounds
// the buckets and cur give, so they are within one bucket width (1/64) of
// the interval's true extremes. To have them exact, record each interval
// into its own histogram and Merge it into the cumulative one instead.
//
// h may be cur or prev. On error h is unchanged. Delta does not allocate.
func (h *Histogram) Delta(cur, prev *Histogram) error {
	if prev.count > cur.count || prev.sum > cur.sum || prev.overflow > cur.overflow {
		return fmt.Errorf("%w: prev has %d recordings, cur %d", ErrNotEarlier, prev.count, cur.count)
	}
	for i := range cur.counts {
		if prev.counts[i] > cur.counts[i] {
			lo, _ := bucketBounds(i)
			return fmt.Errorf("%w: bucket %d (%v) has %d in prev, %d in cur",
				ErrNotEarlier, i, time.Duration(lo), prev.counts[i], cur.counts[i])
		}
	}
	curMin, curMax := cur.min, cur.max
	first, last := -1, -1
	for i := range cur.counts {
		c := cur.counts[i] - prev.counts[i]
		h.counts[i] = c
		if c != 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	h.count = cur.count - prev.count
	h.sum = cur.sum - prev.sum
	h.overflow = cur.overflow - prev.overflow
	h.min, h.max = 0, 0
	if first >= 0 {
		lo, _ := bucketBounds(first)
		h.min = max(lo, curMin)
		lo, w := bucketBounds(last)
		h.max = min(lo+w-1, curMax)
	}
	return nil
}
