package testbed

import "testing"

func TestShare(t *testing.T) {
	for _, tc := range []struct{ total, n int }{{10, 3}, {0, 4}, {1_000_000, 51}, {7, 7}, {3, 5}} {
		sum := 0
		for i := 0; i < tc.n; i++ {
			s := share(tc.total, tc.n, i)
			if s < tc.total/tc.n || s > tc.total/tc.n+1 {
				t.Errorf("share(%d,%d,%d) = %d, not even", tc.total, tc.n, i, s)
			}
			sum += s
		}
		if sum != tc.total {
			t.Errorf("shares of %d over %d sum to %d", tc.total, tc.n, sum)
		}
	}
}

func TestPortSlice(t *testing.T) {
	for _, tc := range []struct{ low, high, m int }{{32768, 60999, 13}, {32768, 60999, 1}, {40000, 40999, 3}} {
		prevHigh := tc.low - 1
		for k := 0; k < tc.m; k++ {
			lo, hi := portSlice(tc.low, tc.high, k, tc.m)
			if lo != prevHigh+1 || hi < lo || hi > tc.high {
				t.Fatalf("portSlice(%d,%d,%d,%d) = %d-%d after %d", tc.low, tc.high, k, tc.m, lo, hi, prevHigh)
			}
			prevHigh = hi
		}
	}
}
