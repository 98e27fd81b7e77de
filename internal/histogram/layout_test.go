package histogram

import (
	"testing"
	"unsafe"
)

// TestLayoutContiguous checks that the buckets tile [0, Top] without gap or
// overlap and that indexOf sends each bucket's first and last value to it.
func TestLayoutContiguous(t *testing.T) {
	var next uint64
	for i := range Buckets {
		lo, w := bucketBounds(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d ns, want %d (the end of bucket %d)", i, lo, next, i-1)
		}
		if w == 0 || w&(w-1) != 0 {
			t.Fatalf("bucket %d has width %d ns, want a power of two", i, w)
		}
		if got := indexOf(lo); got != i {
			t.Fatalf("indexOf(%d) = %d, want %d", lo, got, i)
		}
		if got := indexOf(lo + w - 1); got != i {
			t.Fatalf("indexOf(%d) = %d, want %d", lo+w-1, got, i)
		}
		next = lo + w
	}
	if next-1 != uint64(Top) {
		t.Fatalf("the top bucket ends at %d ns, want Top = %d", next-1, uint64(Top))
	}
	if lo, w := bucketBounds(0); lo != 0 || w != uint64(Resolution) {
		t.Fatalf("bucket 0 = [%d, %d), want [0, %d)", lo, lo+w, Resolution)
	}
}

// TestLayoutPrecision checks the bound the package comment states: the
// midpoint of the bucket of any value v is within v/128 of v for v >= 1024
// ns and within 8 ns below. The error is largest at a bucket's ends, so
// checking both ends of every bucket checks every value.
func TestLayoutPrecision(t *testing.T) {
	for i := range Buckets {
		lo, w := bucketBounds(i)
		mid := bucketValue(i)
		for _, v := range []uint64{lo, lo + w - 1} {
			diff := max(mid, v) - min(mid, v)
			if v >= 1024 {
				if diff*128 > v {
					t.Fatalf("bucket %d: value %d ns reported as %d, off by %d > v/128", i, v, mid, diff)
				}
			} else if diff > 8 {
				t.Fatalf("bucket %d: value %d ns reported as %d, off by %d > 8 ns", i, v, mid, diff)
			}
		}
	}
}

// TestIndexOfTable pins a few bucket indexes so a change of layout (which
// would make old serialised histograms mean something else) fails loudly.
func TestIndexOfTable(t *testing.T) {
	tests := []struct {
		ns   uint64
		want int
	}{
		{0, 0}, {15, 0}, {16, 1}, {1000, 62}, {1023, 63}, {1024, 64},
		{2047, 127}, {2048, 128}, {2079, 128}, {2080, 129}, {4096, 192},
		{1_000_000, 698}, {1_000_000_000, 1335}, {uint64(Top), Buckets - 1},
	}
	for _, tt := range tests {
		if got := indexOf(tt.ns); got != tt.want {
			t.Errorf("indexOf(%d ns) = %d, want %d", tt.ns, got, tt.want)
		}
	}
}

// TestSize checks the size the package comment states.
func TestSize(t *testing.T) {
	if got := unsafe.Sizeof(Histogram{}); got != Size || Size != 16936 {
		t.Fatalf("Histogram is %d bytes, Size says %d, the package comment 16,936", got, Size)
	}
}
