package histogram

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// FuzzUnmarshal feeds arbitrary bytes to UnmarshalJSON. Whatever it
// accepts must be a consistent histogram that marshals and reads back to
// itself; whatever it refuses must wrap ErrMalformed and leave the
// histogram unchanged. Run it with
//
//	go test -run '^$' -fuzz FuzzUnmarshal -fuzztime 60s -fuzzminimizetime 2s ./internal/histogram/
//
// (with the default minimize time of 60 s the fuzzer spends most of a
// short run minimising new inputs instead of executing).
func FuzzUnmarshal(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input it finds, and a
	// 20 KB seed makes that take minutes instead of milliseconds.
	for _, h := range roundTripCases() {
		if h.Count() > 10 {
			continue
		}
		b, _ := json.Marshal(h)
		f.Add(b)
	}
	var few Histogram
	for _, v := range sample("wide", 12) {
		few.Record(v)
	}
	b, _ := json.Marshal(few)
	f.Add(b)
	f.Add([]byte(`null`))
	f.Add([]byte(`{"unit":"ns","sig":2,"layout":"log-linear/16ns/64/2112","count":1,"min":1000,"max":1000,"sum":1000,"overflow":0,"counts":[[62,1]]}`))
	f.Add([]byte(`{"unit":"ns","sig":2,"layout":"log-linear/16ns/64/2112","count":2,"min":4398046511103,"max":4398046511103,"sum":8796093022206,"overflow":2,"counts":[[2111,2]]}`))
	f.Add([]byte(`{"unit":"ns","sig":2,"layout":"log-linear/16ns/64/2112","count":1,"counts":[[62,1,1]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var h Histogram
		h.Record(time.Second)
		before := h
		if err := h.UnmarshalJSON(data); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if h != before {
				t.Fatal("UnmarshalJSON changed the histogram on error")
			}
			return
		}
		var total uint64
		first, last := -1, -1
		for i, c := range h.counts {
			total += c
			if c != 0 {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if total != h.count {
			t.Fatalf("accepted counts adding up to %d with count %d", total, h.count)
		}
		if err := h.checkTotals(first, last); err != nil {
			t.Fatalf("accepted an inconsistent histogram: %v", err)
		}
		b, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		var again Histogram
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("cannot read back what it marshalled (%s): %v", b, err)
		}
		if again != h {
			t.Fatal("marshal and unmarshal changed an accepted histogram")
		}
		if p := h.Percentiles(); h.count > 0 && (p.P50 < h.Min() || p.P999 > h.Max() || p.P50 > p.P999) {
			t.Fatalf("accepted histogram gives percentiles %+v outside [%v, %v]", p, h.Min(), h.Max())
		}
	})
}
