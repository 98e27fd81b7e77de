package histogram

import (
	"math"
	"slices"
	"testing"
	"time"
)

func pow(x, y float64) float64 { return math.Pow(x, y) }

// quantiles are given as fractions num/den so that the exact rank,
// ceil(num × n / den), is computed in integers, independently of rank().
var quantiles = []struct{ num, den uint64 }{
	{0, 1}, {1, 1000}, {1, 4}, {1, 2}, {9, 10}, {99, 100}, {999, 1000}, {9999, 10000}, {1, 1},
}

// exactAt is the sorted-slice answer: the recording of rank ceil(q × n).
func exactAt(sorted []time.Duration, num, den uint64) time.Duration {
	n := uint64(len(sorted))
	r := max((num*n+den-1)/den, 1)
	return sorted[r-1]
}

// withinPrecision reports whether got is within the stated bound of exact:
// 1/128 of it from 1024 ns up, 8 ns below.
func withinPrecision(got, exact time.Duration) bool {
	diff := got - exact
	if diff < 0 {
		diff = -diff
	}
	if exact >= 1024 {
		return diff*128 <= exact
	}
	return diff <= 8
}

// TestValueAtKnownDistributions compares ValueAt and Percentiles with the
// exact sorted-slice answers for known distributions.
func TestValueAtKnownDistributions(t *testing.T) {
	for _, dist := range []string{"uniform", "exponential", "constant", "two spikes", "wide"} {
		t.Run(dist, func(t *testing.T) {
			vals := sample(dist, 100000)
			var h Histogram
			for _, v := range vals {
				h.Record(v)
			}
			sorted := slices.Clone(vals)
			for i, v := range sorted { // the histogram clamps; so does the answer
				sorted[i] = min(max(v, 0), Top)
			}
			slices.Sort(sorted)
			for _, q := range quantiles {
				got := h.ValueAt(float64(q.num) / float64(q.den))
				exact := exactAt(sorted, q.num, q.den)
				if !withinPrecision(got, exact) {
					t.Errorf("ValueAt(%d/%d) = %v, exact %v: off by more than 1/128", q.num, q.den, got, exact)
				}
			}
			if h.ValueAt(0) != sorted[0] || h.ValueAt(1) != sorted[len(sorted)-1] {
				t.Errorf("ValueAt(0), ValueAt(1) = %v, %v; want Min %v and Max %v exactly", h.ValueAt(0), h.ValueAt(1), sorted[0], sorted[len(sorted)-1])
			}
			p := h.Percentiles()
			want := Percentiles{Count: uint64(len(vals)), P50: h.ValueAt(0.5), P90: h.ValueAt(0.9),
				P99: h.ValueAt(0.99), P999: h.ValueAt(0.999), Max: sorted[len(sorted)-1]}
			if p != want {
				t.Errorf("Percentiles = %+v, want %+v", p, want)
			}
			var sum time.Duration
			for _, v := range sorted {
				sum += v
			}
			if h.Mean() != sum/time.Duration(len(sorted)) {
				t.Errorf("Mean = %v, want exactly %v", h.Mean(), sum/time.Duration(len(sorted)))
			}
		})
	}
}

// TestValueAtSpikeBoundary checks the rank at the edge between two
// spikes: exactly 90% are at 50 µs, so p90 is 50 µs and anything above is
// the second spike.
func TestValueAtSpikeBoundary(t *testing.T) {
	var h Histogram
	h.RecordN(50*time.Microsecond, 900)
	h.RecordN(time.Second, 100)
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.9, 50 * time.Microsecond}, {0.9001, time.Second}, {0.5, 50 * time.Microsecond}, {0.999, time.Second},
	}
	for _, tt := range tests {
		if got := h.ValueAt(tt.q); got != tt.want {
			t.Errorf("ValueAt(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

// TestRank checks the rank a quantile maps to, including quantiles that
// float64 holds slightly off (0.7 × 10 is 7.000000000000001).
func TestRank(t *testing.T) {
	tests := []struct {
		q    float64
		n    uint64
		want uint64
	}{
		{0, 10, 1}, {-1, 10, 1}, {math.NaN(), 10, 1}, {1, 10, 10}, {2, 10, 10},
		{0.5, 1, 1}, {0.7, 10, 7}, {0.71, 10, 8}, {0.999, 1000, 999}, {0.9991, 1000, 1000},
		{0.99, 100, 99}, {0.1, 10, 1}, {0.3, 10, 3}, {0.5, 3, 2}, {0.999, 1_000_000_007, 999_000_007},
	}
	for _, tt := range tests {
		if got := rank(tt.q, tt.n); got != tt.want {
			t.Errorf("rank(%v, %d) = %d, want %d", tt.q, tt.n, got, tt.want)
		}
	}
}

// TestDistribution checks the percentile-distribution points: they start
// at (0, Min), end at (100, Max), rise in both coordinates, halve the
// distance to 100 every ticksPerHalf points, and each value is ValueAt.
func TestDistribution(t *testing.T) {
	var empty Histogram
	if pts := empty.Distribution(5); pts != nil {
		t.Fatalf("Distribution of an empty histogram = %v, want nil", pts)
	}
	var h Histogram
	for _, v := range sample("exponential", 100000) {
		h.Record(v)
	}
	for _, ticks := range []int{0, 1, 5} {
		pts := h.Distribution(ticks)
		if pts[0] != (Point{0, h.Min()}) || pts[len(pts)-1] != (Point{100, h.Max()}) {
			t.Fatalf("ticks %d: first %v last %v, want (0, Min) and (100, Max)", ticks, pts[0], pts[len(pts)-1])
		}
		// 100,000 recordings: the rank reaches Count after about 17
		// halvings of the distance to 100.
		if n, perHalf := len(pts), max(ticks, 1); n < 15*perHalf || n > 20*perHalf+2 {
			t.Errorf("ticks %d: %d points, want about 17 per tick", ticks, n)
		}
		for i, p := range pts {
			if i > 0 && (p.Percentile <= pts[i-1].Percentile || p.Value < pts[i-1].Value) {
				t.Fatalf("ticks %d: point %d %v does not rise from %v", ticks, i, p, pts[i-1])
			}
			if i < len(pts)-1 && p.Value != h.ValueAt(p.Percentile/100) {
				t.Fatalf("ticks %d: point %v, but ValueAt gives %v", ticks, p, h.ValueAt(p.Percentile/100))
			}
		}
	}
	pts := h.Distribution(1)
	for i, want := range []float64{0, 50, 75, 87.5, 93.75} {
		if pts[i].Percentile != want {
			t.Errorf("ticks 1: point %d at percentile %v, want %v", i, pts[i].Percentile, want)
		}
	}
	var one Histogram
	one.Record(time.Millisecond)
	if pts := one.Distribution(5); len(pts) != 2 || pts[1] != (Point{100, time.Millisecond}) {
		t.Errorf("Distribution of one recording = %v, want (0, 1ms) and (100, 1ms)", pts)
	}
	var huge Histogram
	huge.RecordN(time.Millisecond, math.MaxUint64/2)
	if pts := huge.Distribution(5); len(pts) > 5*70 {
		t.Errorf("Distribution of 2^63 recordings has %d points, want it to stop near float64's resolution", len(pts))
	}
}
