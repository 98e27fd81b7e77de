package histogram

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// TestRecordEdges covers the empty histogram, one value, clamping at both
// ends and the overflow count.
func TestRecordEdges(t *testing.T) {
	tests := []struct {
		name     string
		record   []time.Duration
		count    uint64
		min, max time.Duration
		mean     time.Duration
		overflow uint64
	}{
		{"empty", nil, 0, 0, 0, 0, 0},
		{"one value", []time.Duration{42 * time.Microsecond}, 1, 42 * time.Microsecond, 42 * time.Microsecond, 42 * time.Microsecond, 0},
		{"zero", []time.Duration{0}, 1, 0, 0, 0, 0},
		{"negative is 0", []time.Duration{-time.Second, 10 * time.Microsecond}, 2, 0, 10 * time.Microsecond, 5 * time.Microsecond, 0},
		{"below 1 µs keeps 16 ns resolution", []time.Duration{300, 700}, 2, 300, 700, 500, 0},
		{"Top is not overflow", []time.Duration{Top}, 1, Top, Top, Top, 0},
		{"above Top is Top and overflow", []time.Duration{2 * time.Hour, Top + 1, time.Millisecond}, 3, time.Millisecond, Top, (2*Top + time.Millisecond) / 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			for _, d := range tt.record {
				h.Record(d)
			}
			if h.Count() != tt.count || h.Min() != tt.min || h.Max() != tt.max || h.Mean() != tt.mean || h.Overflow() != tt.overflow {
				t.Fatalf("count %d min %v max %v mean %v overflow %d, want %d %v %v %v %d",
					h.Count(), h.Min(), h.Max(), h.Mean(), h.Overflow(), tt.count, tt.min, tt.max, tt.mean, tt.overflow)
			}
			for _, q := range []float64{0, 0.5, 1} {
				got := h.ValueAt(q)
				if got < h.Min() || got > h.Max() {
					t.Errorf("ValueAt(%v) = %v outside [Min, Max] = [%v, %v]", q, got, h.Min(), h.Max())
				}
			}
			if len(tt.record) == 1 {
				p := h.Percentiles()
				want := Percentiles{Count: 1, P50: tt.min, P90: tt.min, P99: tt.min, P999: tt.min, Max: tt.min}
				if p != want {
					t.Errorf("Percentiles of one value = %+v, want every percentile exactly %v", p, tt.min)
				}
			}
		})
	}
}

// TestRecordNMatchesRecord checks that RecordN(v, n) is n Records.
func TestRecordNMatchesRecord(t *testing.T) {
	var a, b Histogram
	for _, d := range []time.Duration{-1, 0, 17, time.Microsecond, time.Second, Top, 3 * time.Hour} {
		a.RecordN(d, 5)
		for range 5 {
			b.Record(d)
		}
	}
	a.RecordN(time.Second, 0)
	if a != b {
		t.Fatalf("RecordN(d, 5) differs from five Record(d): count %d vs %d", a.Count(), b.Count())
	}
}

// TestReset checks that Reset gives the zero value.
func TestReset(t *testing.T) {
	var h Histogram
	h.Record(time.Millisecond)
	h.Record(2 * time.Hour)
	h.Reset()
	if h != (Histogram{}) {
		t.Fatal("Reset left recordings behind")
	}
}

// sample draws n values from a named distribution, with a fixed seed.
func sample(dist string, n int) []time.Duration {
	r := rand.New(rand.NewPCG(1, uint64(len(dist))))
	out := make([]time.Duration, n)
	for i := range out {
		switch dist {
		case "uniform": // 1 µs to 10 ms
			out[i] = time.Microsecond + time.Duration(r.Int64N(int64(10*time.Millisecond)))
		case "exponential": // mean 200 µs
			out[i] = time.Duration(r.ExpFloat64() * float64(200*time.Microsecond))
		case "constant":
			out[i] = 42 * time.Microsecond
		case "two spikes": // 90% at 50 µs, 10% at the 1 s SYN retransmit
			out[i] = 50 * time.Microsecond
			if i%10 == 9 {
				out[i] = time.Second
			}
		case "wide": // log-uniform from 100 ns to 2 h, past Top
			out[i] = time.Duration(100 * pow(7.2e10, r.Float64()))
		default:
			panic("unknown distribution " + dist)
		}
	}
	return out
}

// TestMergeEqualsRecordingAll splits recordings over several histograms
// (as over workers) and checks that merging them gives exactly the
// histogram of all of them.
func TestMergeEqualsRecordingAll(t *testing.T) {
	for _, dist := range []string{"uniform", "exponential", "two spikes", "wide"} {
		t.Run(dist, func(t *testing.T) {
			vals := sample(dist, 20000)
			var all Histogram
			parts := make([]Histogram, 7)
			r := rand.New(rand.NewPCG(2, 3))
			for _, v := range vals {
				all.Record(v)
				parts[r.IntN(len(parts))].Record(v)
			}
			var merged Histogram
			merged.Merge(&Histogram{}) // merging an empty one changes nothing
			for i := range parts {
				merged.Merge(&parts[i])
			}
			if merged != all {
				t.Fatalf("merge of the parts: count %d min %v max %v sum %v; all: %d %v %v %v",
					merged.Count(), merged.Min(), merged.Max(), merged.Sum(), all.Count(), all.Min(), all.Max(), all.Sum())
			}
			self := all
			self.Merge(&self)
			if self.Count() != 2*all.Count() || self.Min() != all.Min() || self.Max() != all.Max() {
				t.Fatal("merging a histogram into itself did not double it")
			}
		})
	}
}

// TestDeltaIsTheInterval records two intervals into one cumulative
// histogram and checks that Delta of its snapshots is the second interval:
// exact counts, count, sum and overflow; Min and Max bounds within one
// bucket of the exact ones.
func TestDeltaIsTheInterval(t *testing.T) {
	first, second := sample("exponential", 5000), sample("two spikes", 3000)
	second = append(second, 3*time.Hour)
	var cum, interval Histogram
	for _, v := range first {
		cum.Record(v)
	}
	prev := cum
	for _, v := range second {
		cum.Record(v)
		interval.Record(v)
	}
	var d Histogram
	if err := d.Delta(&cum, &prev); err != nil {
		t.Fatal(err)
	}
	if d.counts != interval.counts || d.Count() != interval.Count() || d.Sum() != interval.Sum() || d.Overflow() != interval.Overflow() {
		t.Fatalf("Delta: count %d sum %v overflow %d, want %d %v %d", d.Count(), d.Sum(), d.Overflow(), interval.Count(), interval.Sum(), interval.Overflow())
	}
	if d.Min() > interval.Min() || indexOf(uint64(d.Min())) != indexOf(uint64(interval.Min())) {
		t.Errorf("Delta Min %v, want a bound at or below %v in its bucket", d.Min(), interval.Min())
	}
	if d.Max() < interval.Max() || indexOf(uint64(d.Max())) != indexOf(uint64(interval.Max())) {
		t.Errorf("Delta Max %v, want a bound at or above %v in its bucket", d.Max(), interval.Max())
	}
	if got, want := d.Percentiles().P99, interval.Percentiles().P99; got != want {
		t.Errorf("Delta p99 %v, interval p99 %v", got, want)
	}

	// In place, and an empty interval.
	inPlace := cum
	if err := inPlace.Delta(&inPlace, &prev); err != nil || inPlace.counts != interval.counts {
		t.Errorf("Delta into cur: %v", err)
	}
	if err := d.Delta(&cum, &cum); err != nil || d != (Histogram{}) {
		t.Errorf("Delta of a snapshot and itself = count %d, err %v; want empty", d.Count(), err)
	}
}

// TestDeltaRefusesLaterPrev checks that Delta refuses a prev that is not
// an earlier snapshot of cur, leaving its receiver as it was.
func TestDeltaRefusesLaterPrev(t *testing.T) {
	var a, b Histogram
	a.Record(time.Millisecond)
	a.Record(time.Millisecond)
	b.Record(time.Second)
	tests := []struct {
		name      string
		cur, prev *Histogram
	}{
		{"more recordings", &b, &a},
		{"other bucket", &a, &b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Histogram
			d.Record(time.Minute)
			before := d
			err := d.Delta(tt.cur, tt.prev)
			if !errors.Is(err, ErrNotEarlier) {
				t.Fatalf("Delta = %v, want ErrNotEarlier", err)
			}
			if d != before {
				t.Fatal("Delta changed its receiver on error")
			}
		})
	}
}
