package nodes

import (
	"testing"
	"time"
)

// TestWindow: the adaptive window shrinks by a quarter, down to
// windowMin, while the loop finds connects that waited windowLag or
// more; doubles, up to the cap, while it finds them at once with the
// window full; holds otherwise. A fixed one never moves.
func TestWindow(t *testing.T) {
	const ms = time.Millisecond
	type batch struct {
		wait           time.Duration
		inFlight, want int
	}
	for _, tc := range []struct {
		name    string
		max     int
		fixed   bool
		start   int
		batches []batch
	}{
		{"starts small", 2048, false, 32, nil},
		{"a small cap starts at the cap", 10, false, 10, []batch{{0, 10, 10}, {40 * ms, 10, 10}}},
		{"fixed stays", 2048, true, 2048, []batch{{0, 2048, 2048}, {time.Second, 2048, 2048}}},
		{"grows while the loop keeps up", 2048, false, 32, []batch{
			{0, 32, 64}, {4 * ms, 64, 128}, {8 * ms, 128, 256}, {0, 256, 512}, {0, 512, 1024}, {0, 1024, 2048}, {0, 2048, 2048}}},
		{"no growth while not full", 2048, false, 32, []batch{{0, 20, 32}, {0, 31, 32}}},
		{"shrinks while the loop is behind", 2048, false, 32, []batch{
			{0, 32, 64}, {0, 64, 128}, {0, 128, 256}, {12 * ms, 256, 192}, {10 * ms, 10, 144}, {time.Second, 144, 108},
			{12 * ms, 108, 81}, {12 * ms, 81, 61}, {12 * ms, 61, 46}, {12 * ms, 46, 35}, {12 * ms, 35, 32}, {12 * ms, 32, 32}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWindow(tc.max, tc.fixed)
			if w.limit() != tc.start {
				t.Fatalf("starts at %d, want %d", w.limit(), tc.start)
			}
			for i, b := range tc.batches {
				w.observe(b.wait, b.inFlight)
				if w.limit() != b.want {
					t.Fatalf("batch %d (wait %v, %d in flight): window %d, want %d", i, b.wait, b.inFlight, w.limit(), b.want)
				}
			}
		})
	}
}
