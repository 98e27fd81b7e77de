package histogram

import "testing"

// values are spread over the buckets a connect latency uses.
var values = sample("exponential", 1024)

// TestRecordAllocs checks that the event path and the per-interval work
// never allocate.
func TestRecordAllocs(t *testing.T) {
	var h, prev, d Histogram
	i := 0
	tests := []struct {
		name string
		fn   func()
	}{
		{"Record", func() { h.Record(values[i&1023]); i++ }},
		{"RecordN", func() { h.RecordN(values[i&1023], 3); i++ }},
		{"Merge", func() { d.Merge(&h) }},
		{"Delta", func() { _ = d.Delta(&h, &prev) }},
		{"snapshot", func() { prev = h }},
		{"Reset", func() { d.Reset() }},
		{"ValueAt", func() { _ = h.ValueAt(0.99) }},
		{"Percentiles", func() { _ = h.Percentiles() }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(1000, tt.fn); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tt.name, n)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(values[i&1023])
	}
}

func BenchmarkRecordN(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.RecordN(values[i&1023], 2)
	}
}

func BenchmarkMerge(b *testing.B) {
	var h, o Histogram
	for _, v := range values {
		o.Record(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Merge(&o)
	}
}

func BenchmarkDelta(b *testing.B) {
	var cur, prev, d Histogram
	for _, v := range values {
		cur.Record(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = d.Delta(&cur, &prev)
	}
}

func BenchmarkPercentiles(b *testing.B) {
	var h Histogram
	for _, v := range values {
		h.Record(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Percentiles()
	}
}

func BenchmarkMarshalJSON(b *testing.B) {
	var h Histogram
	for _, v := range sample("exponential", 100000) {
		h.Record(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = h.MarshalJSON()
	}
}
