// Package stats summarises repeated measurements of one quantity: the
// median, the range and the coefficient of variation that sweeps, repeats
// and compare print.
package stats

import (
	"math"
	"slices"
)

// Spread is what repeated measurements of one quantity say together.
type Spread struct {
	N      int     // measurements (NaN and infinities are left out)
	Median float64 // the middle one; the mean of the two middle ones for even N
	Min    float64
	Max    float64
	Mean   float64
	// CV is the coefficient of variation: the sample standard deviation
	// over the mean; 0 for fewer than two measurements or a zero mean.
	CV float64
}

// Of returns the spread of xs, ignoring values that are not finite; ok
// is false when none is.
func Of(xs []float64) (s Spread, ok bool) {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Spread{}, false
	}
	slices.Sort(v)
	s.N, s.Min, s.Max = len(v), v[0], v[len(v)-1]
	if len(v)%2 == 1 {
		s.Median = v[len(v)/2]
	} else {
		s.Median = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	s.Mean = sum / float64(len(v))
	if len(v) > 1 && s.Mean != 0 {
		ss := 0.0
		for _, x := range v {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.CV = math.Sqrt(ss/float64(len(v)-1)) / math.Abs(s.Mean)
	}
	return s, true
}

// Range is Max − Min: how far apart the measurements fell.
func (s Spread) Range() float64 { return s.Max - s.Min }

// WithinNoise reports whether the medians of a and b differ by less than
// the range of either: a difference the repeats themselves would show.
// With one measurement a side there is no range, and nothing is noise.
func WithinNoise(a, b Spread) bool {
	if a.N < 2 && b.N < 2 {
		return false
	}
	return math.Abs(a.Median-b.Median) < max(a.Range(), b.Range())
}
