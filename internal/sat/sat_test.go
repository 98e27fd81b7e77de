package sat

import (
	"math"
	"testing"
)

func TestSaturates(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want int64
	}{
		{"Add", Add(1, 2, 3), 6},
		{"Add overflow", Add(math.MaxInt64-1, 2), math.MaxInt64},
		{"Mul", Mul(2, 3, 4), 24},
		{"Mul overflow", Mul(math.MaxInt64/2, 3), math.MaxInt64},
		{"Mul negative", Mul(5, -1), 0},
		{"CeilDiv", CeilDiv(7, 2), 4},
		{"CeilDiv exact", CeilDiv(8, 2), 4},
		{"CeilDiv by 0", CeilDiv(7, 0), math.MaxInt64},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d; want %d", tc.name, tc.got, tc.want)
		}
	}
}
