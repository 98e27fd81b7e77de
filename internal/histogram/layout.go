package histogram

import (
	"math/bits"
	"time"
)

// The bucket layout (see the package comment): values in nanoseconds are
// shifted right by unitShift into units of 16 ns; units below 2*subBuckets
// each have a bucket of their own; above that every power of two [2^k, 2^(k+1))
// is split into subBuckets equal buckets.
const (
	// unitShift turns nanoseconds into the histogram's unit, 16 ns: the
	// coarsest unit for which a value of 1 µs (1024 ns = 64 units) still
	// falls in a bucket no wider than 1/64 of it.
	unitShift = 4
	// subBucketBits is log2 of subBuckets.
	subBucketBits = 6
	// subBuckets is how many buckets each power of two is split into:
	// 64, so a bucket is at most 1/64 of its lowest value wide.
	subBuckets = 1 << subBucketBits
	// topExponent is the exponent of the highest power-of-two range:
	// units in [2^37, 2^38), nanoseconds in [2^41, 2^42).
	topExponent = 31
	// Buckets is the number of buckets: 64 × 33 = 2112.
	Buckets = subBuckets * (topExponent + 2)
)

// Top is the largest value a histogram tells apart, 2^42 − 1 ns (about
// 73 minutes 18 seconds). Larger values are recorded as Top and counted in
// Overflow.
const Top = time.Duration(1<<(42) - 1)

// Resolution is the width of the narrowest buckets, which hold every value
// below 2 µs (2048 ns): 16 ns.
const Resolution = time.Duration(1 << unitShift)

// indexOf returns the bucket of a value in nanoseconds, 0 <= ns <= Top.
// It is branch-free: the exponent is 0 for units below 128, where the
// bucket is the unit itself.
func indexOf(ns uint64) int {
	u := ns >> unitShift
	e := bits.Len64(u|(2*subBuckets-1)) - (subBucketBits + 1)
	return e<<subBucketBits + int(u>>uint(e))
}

// bucketBounds returns the lowest value of bucket i and its width, both in
// nanoseconds: the bucket holds [lo, lo+width).
func bucketBounds(i int) (lo, width uint64) {
	e := i>>subBucketBits - 1
	if e < 0 {
		e = 0
	}
	sub := uint64(i - e<<subBucketBits)
	return sub << uint(e) << unitShift, 1 << uint(e) << unitShift
}

// bucketValue is the value reported for bucket i: its midpoint, which is
// within half a bucket width (1/128 of the value above 1 µs) of anything
// recorded there.
func bucketValue(i int) uint64 {
	lo, w := bucketBounds(i)
	return lo + w/2
}
