package testbed

import (
	"slices"
	"testing"
)

func TestMissingPorts(t *testing.T) {
	have := map[int]bool{8000: true, 8001: true}
	for _, tc := range []struct{ want, miss []int }{
		{[]int{8000, 8002}, []int{8002}},
		{[]int{8000, 8001}, nil},
		{nil, nil},
	} {
		if got := missingPorts(tc.want, have); !slices.Equal(got, tc.miss) {
			t.Errorf("missingPorts(%v) = %v, want %v", tc.want, got, tc.miss)
		}
	}
}
