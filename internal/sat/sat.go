// Package sat is saturating arithmetic on non-negative counts: a plan of
// absurd sizes stops at math.MaxInt64 instead of overflowing into a
// negative need that would pass as ok.
package sat

import "math"

// Add adds non-negative numbers, stopping at MaxInt64 instead of
// overflowing.
func Add(xs ...int64) int64 {
	r := int64(0)
	for _, x := range xs {
		if x > math.MaxInt64-r {
			return math.MaxInt64
		}
		r += x
	}
	return r
}

// Mul multiplies non-negative numbers, stopping at MaxInt64 instead of
// overflowing (a negative factor counts as 0).
func Mul(xs ...int64) int64 {
	r := int64(1)
	for _, x := range xs {
		if x <= 0 {
			return 0
		}
		if r > math.MaxInt64/x {
			return math.MaxInt64
		}
		r *= x
	}
	return r
}

// CeilDiv is a/b rounded up, for a >= 0; b <= 0 gives MaxInt64.
func CeilDiv(a, b int64) int64 {
	if b <= 0 {
		return math.MaxInt64
	}
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}
