package stats

import (
	"math"
	"testing"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want Spread
		ok   bool
	}{
		{"none", nil, Spread{}, false},
		{"only NaN", []float64{math.NaN(), math.Inf(1)}, Spread{}, false},
		{"one", []float64{4}, Spread{N: 1, Median: 4, Min: 4, Max: 4, Mean: 4}, true},
		{"odd", []float64{3, 1, 2}, Spread{N: 3, Median: 2, Min: 1, Max: 3, Mean: 2, CV: 0.5}, true},
		{"even", []float64{10, 20, 40, 30}, Spread{N: 4, Median: 25, Min: 10, Max: 40, Mean: 25, CV: math.Sqrt(500.0/3) / 25}, true},
		{"NaN left out", []float64{1, math.NaN(), 3}, Spread{N: 2, Median: 2, Min: 1, Max: 3, Mean: 2, CV: math.Sqrt2 / 2}, true},
		{"zero mean", []float64{-1, 1}, Spread{N: 2, Median: 0, Min: -1, Max: 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Of(tc.xs)
			if ok != tc.ok || math.Abs(got.CV-tc.want.CV) > 1e-12 {
				t.Fatalf("Of(%v) = %+v, %v; want %+v, %v", tc.xs, got, ok, tc.want, tc.ok)
			}
			got.CV = tc.want.CV
			if got != tc.want {
				t.Fatalf("Of(%v) = %+v; want %+v", tc.xs, got, tc.want)
			}
		})
	}
}

func TestWithinNoise(t *testing.T) {
	s := func(xs ...float64) Spread { v, _ := Of(xs); return v }
	for _, tc := range []struct {
		name string
		a, b Spread
		want bool
	}{
		{"single runs are never noise", s(10), s(11), false},
		{"inside a's range", s(10, 14, 12), s(13, 13, 13), true},
		{"inside b's range", s(12), s(9, 15, 13), true},
		{"apart", s(10, 11, 12), s(20, 21, 22), false},
		{"exactly the range is not noise", s(10, 12), s(13, 13), false},
	} {
		if got := WithinNoise(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: WithinNoise(%+v, %+v) = %v, want %v", tc.name, tc.a, tc.b, got, tc.want)
		}
	}
}
