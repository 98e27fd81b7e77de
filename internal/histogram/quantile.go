package histogram

import (
	"math"
	"time"
)

// rank returns the 1-based rank of the recording at quantile q of n
// recordings: the smallest r with r >= q*n, at least 1 and at most n. The
// product is nudged down by a few parts in 10^14 so that a q such as 0.999,
// which float64 holds slightly off, does not step to the next rank.
func rank(q float64, n uint64) uint64 {
	if !(q > 0) { // also NaN
		return 1
	}
	if q >= 1 {
		return n
	}
	x := q * float64(n)
	r := uint64(math.Ceil(x - x*1e-14))
	return min(max(r, 1), n)
}

// ValueAt returns the value at or below which a fraction q (0..1) of the
// recordings fall: the recording of rank ceil(q × Count) in sorted order,
// as the midpoint of its bucket, kept within [Min, Max] (rank 1 is Min and
// rank Count is Max, exactly). It is within
// 1/128 of the exact answer for values of 1 µs and more, and within 8 ns
// below. ValueAt(0) is Min and ValueAt(1) is Max, exactly. An empty
// histogram gives 0.
func (h *Histogram) ValueAt(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	r := rank(q, h.count)
	var cum uint64
	for i, c := range h.counts {
		cum += c
		if cum >= r {
			return h.valueAtRank(i, r)
		}
	}
	return time.Duration(h.max) // unreachable while counts sum to count
}

// valueAtRank is the value reported for the recording of rank r, which is
// in bucket i: Min for the first, Max for the last, otherwise the bucket's
// midpoint kept within [Min, Max] (the exact answer lies there too, so
// this only ever makes the answer closer).
func (h *Histogram) valueAtRank(i int, r uint64) time.Duration {
	switch r {
	case 1:
		return time.Duration(h.min)
	case h.count:
		return time.Duration(h.max)
	}
	return time.Duration(min(max(bucketValue(i), h.min), h.max))
}

// Percentiles is the summary every latency result reports.
type Percentiles struct {
	Count uint64        // number of recordings
	P50   time.Duration // ValueAt(0.5)
	P90   time.Duration // ValueAt(0.9)
	P99   time.Duration // ValueAt(0.99)
	P999  time.Duration // ValueAt(0.999)
	Max   time.Duration // the largest recording, exactly
}

// Percentiles returns Count, p50, p90, p99, p99.9 and Max in one pass over
// the buckets; each percentile is what ValueAt gives. It does not allocate.
func (h *Histogram) Percentiles() Percentiles {
	p := Percentiles{Count: h.count, Max: time.Duration(h.max)}
	if h.count == 0 {
		return p
	}
	qs := [...]float64{0.5, 0.9, 0.99, 0.999}
	out := [...]*time.Duration{&p.P50, &p.P90, &p.P99, &p.P999}
	var cum uint64
	k := 0
	r := rank(qs[0], h.count)
	for i, c := range h.counts {
		cum += c
		for cum >= r {
			*out[k] = h.valueAtRank(i, r)
			k++
			if k == len(qs) {
				return p
			}
			r = rank(qs[k], h.count)
		}
	}
	return p
}

// Point is one point of a percentile distribution: Percentile (0..100) of
// the recordings are at or below Value.
type Point struct {
	Percentile float64
	Value      time.Duration
}

// Distribution returns the percentile distribution as HdrHistogram prints
// and plots it: points at percentiles that get denser towards 100, with
// ticksPerHalf points in each halving of the distance to 100 (0, 50, 75,
// 87.5, … with ticksPerHalf = 1; values below 1 count as 1), so they are
// evenly spaced on the usual log axis of 1/(1 − percentile/100). The
// first point is (0, Min) and the last (100, Max); the points between stop
// once the next one would reach the last recording. Each Value is ValueAt(Percentile/100). An empty
// histogram gives nil. It allocates the returned slice (for reports, not
// the event path).
func (h *Histogram) Distribution(ticksPerHalf int) []Point {
	if h.count == 0 {
		return nil
	}
	ticksPerHalf = max(ticksPerHalf, 1)
	var pts []Point
	p := 0.0
	// The distance to 100 halves every ticksPerHalf points, so the loop
	// ends within 64 halvings (the rank reaches Count) or, for counts above
	// 2^46, when float64 can step no closer to 100; the bound is a guard.
	for range 1100 * ticksPerHalf {
		if p > 0 && (p >= 100 || rank(p/100, h.count) >= h.count) {
			break
		}
		pts = append(pts, Point{Percentile: p, Value: h.ValueAt(p / 100)})
		// halves so far: the largest k with 100 − p <= 100/2^k.
		half := math.Floor(math.Log2(100 / (100 - p)))
		next := p + 100/math.Exp2(half+1)/float64(ticksPerHalf)
		if next == p { // the step fell below float64's resolution
			break
		}
		p = next
	}
	return append(pts, Point{Percentile: 100, Value: time.Duration(h.max)})
}
