package nodes

import "testing"

// TestWindow: the adaptive window shrinks to windowMin while batches find
// most of it established, grows to the cap while they find few and the
// window is full, holds otherwise; a fixed one never moves.
func TestWindow(t *testing.T) {
	type batch struct{ done, inFlight, want int }
	for _, tc := range []struct {
		name    string
		max     int
		fixed   bool
		start   int
		batches []batch
	}{
		{"starts small", 2048, false, 32, nil},
		{"a small cap starts at the cap", 10, false, 10, []batch{{10, 10, 10}, {0, 10, 10}}},
		{"fixed stays", 2048, true, 2048, []batch{{2048, 2048, 2048}, {0, 2048, 2048}}},
		{"grows while handshakes are slow", 2048, false, 32, []batch{
			{1, 32, 64}, {0, 64, 128}, {2, 128, 256}, {0, 256, 512}, {0, 512, 1024}, {0, 1024, 2048}, {0, 2048, 2048}}},
		{"no growth while not full", 2048, false, 32, []batch{{0, 20, 32}, {1, 31, 32}}},
		{"holds in between", 2048, false, 32, []batch{{1, 32, 64}, {16, 64, 64}, {31, 64, 64}}},
		{"shrinks while the loop is behind", 2048, false, 32, []batch{
			{0, 32, 64}, {0, 64, 128}, {0, 128, 256}, {200, 256, 192}, {192, 192, 144}, {100, 144, 108},
			{108, 108, 81}, {81, 81, 61}, {61, 61, 46}, {46, 46, 35}, {35, 35, 32}, {32, 32, 32}}},
		{"nothing in progress", 2048, false, 32, []batch{{0, 0, 32}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWindow(tc.max, tc.fixed)
			if w.limit() != tc.start {
				t.Fatalf("starts at %d, want %d", w.limit(), tc.start)
			}
			for i, b := range tc.batches {
				w.observe(b.done, b.inFlight)
				if w.limit() != b.want {
					t.Fatalf("batch %d (%d of %d done): window %d, want %d", i, b.done, b.inFlight, w.limit(), b.want)
				}
			}
		})
	}
}
