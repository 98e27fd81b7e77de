package editdist

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	long := strings.Repeat("a", 97)
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"workers", "workers", 0},
		{"wokers", "workers", 1},
		{"in-fligth", "in-flight", 2},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{long, "a", Far},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
