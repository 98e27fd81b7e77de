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
