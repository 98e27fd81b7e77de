package histogram

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// histograms for round trips: empty, one value, overflow, a distribution.
func roundTripCases() map[string]*Histogram {
	cases := map[string]*Histogram{"empty": {}, "one": {}, "overflow": {}, "wide": {}, "zero": {}, "exponential": {}, "uniform": {}}
	cases["one"].Record(42 * time.Microsecond)
	cases["zero"].Record(-5)
	cases["overflow"].Record(3 * time.Hour)
	cases["overflow"].Record(Top)
	cases["overflow"].Record(time.Millisecond)
	for _, dist := range []string{"wide", "exponential", "uniform"} {
		for _, v := range sample(dist, 100000) {
			cases[dist].Record(v)
		}
	}
	return cases
}

// TestJSONRoundTrip checks that UnmarshalJSON gives back exactly what
// MarshalJSON was given, and that a second marshal gives the same bytes.
func TestJSONRoundTrip(t *testing.T) {
	for name, h := range roundTripCases() {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			var got Histogram
			got.Record(time.Second) // overwritten, not added to
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("Unmarshal(%.200s): %v", b, err)
			}
			if got != *h {
				t.Fatalf("round trip changed the histogram: count %d vs %d", got.Count(), h.Count())
			}
			b2, _ := json.Marshal(got)
			if string(b2) != string(b) {
				t.Fatalf("second marshal differs:\n%s\n%s", b, b2)
			}
			t.Logf("%s: %d recordings in %d buckets, %d bytes", name, h.Count(), nonZero(h), len(b))
		})
	}
}

// TestJSONGolden pins the serialised form, which the control protocol and
// run.json carry.
func TestJSONGolden(t *testing.T) {
	var h Histogram
	h.Record(time.Microsecond)
	h.RecordN(5*time.Microsecond, 2)
	b, _ := json.Marshal(h)
	want := `{"unit":"ns","sig":2,"layout":"log-linear/16ns/64/2112","count":3,"min":1000,"max":5000,"sum":11000,"overflow":0,"counts":[[62,1],[206,2]]}`
	if string(b) != want {
		t.Fatalf("Marshal =\n%s\nwant\n%s", b, want)
	}
	var empty Histogram
	b, _ = json.Marshal(empty)
	if want := `{"unit":"ns","sig":2,"layout":"log-linear/16ns/64/2112","count":0,"min":0,"max":0,"sum":0,"overflow":0,"counts":[]}`; string(b) != want {
		t.Fatalf("Marshal(empty) =\n%s\nwant\n%s", b, want)
	}
}

// TestJSONField checks that a Histogram field marshals whether its struct
// is passed by value or by pointer, and that null leaves it unchanged.
func TestJSONField(t *testing.T) {
	type result struct {
		Connect Histogram `json:"connect"`
	}
	var r result
	r.Connect.Record(time.Millisecond)
	byValue, _ := json.Marshal(r)
	byPointer, _ := json.Marshal(&r)
	if string(byValue) != string(byPointer) || !strings.Contains(string(byValue), `"count":1`) {
		t.Fatalf("by value %s, by pointer %s", byValue, byPointer)
	}
	if err := json.Unmarshal([]byte(`{"connect":null}`), &r); err != nil || r.Connect.Count() != 1 {
		t.Fatalf("null: err %v, count %d; want no error and the histogram unchanged", err, r.Connect.Count())
	}
}

// TestJSONRejects checks that malformed input is refused with an error
// wrapping ErrMalformed that says what is wrong, and leaves h unchanged.
func TestJSONRejects(t *testing.T) {
	const head = `"unit":"ns","sig":2,"layout":"log-linear/16ns/64/2112"`
	one := `"count":1,"min":1000,"max":1000,"sum":1000,"overflow":0`
	tests := []struct{ name, in, want string }{
		{"not json", `{`, "unexpected EOF"},
		{"not an object", `[1,2]`, "cannot unmarshal array"},
		{"trailing data", `{` + head + `,"count":0,"counts":[]} {}`, "data after"},
		{"unknown field", `{` + head + `,"count":0,"counts":[],"p99":3}`, `unknown field "p99"`},
		{"missing unit", `{"sig":2,"layout":"log-linear/16ns/64/2112","count":0}`, "missing"},
		{"other unit", `{"unit":"us","sig":2,"layout":"log-linear/16ns/64/2112"}`, `unit "us"`},
		{"other sig", `{"unit":"ns","sig":3,"layout":"log-linear/16ns/64/2112"}`, "sig 3"},
		{"other layout", `{"unit":"ns","sig":2,"layout":"x"}`, `layout "x"`},
		{"pair of three", `{` + head + `,` + one + `,"counts":[[62,1,5]]}`, "3 numbers"},
		{"pair of one", `{` + head + `,` + one + `,"counts":[[62]]}`, "1 numbers"},
		{"index too big", `{` + head + `,` + one + `,"counts":[[2112,1]]}`, "index 2112"},
		{"negative index", `{` + head + `,` + one + `,"counts":[[-1,1]]}`, "cannot unmarshal number -1"},
		{"fractional count", `{` + head + `,` + one + `,"counts":[[62,1.5]]}`, "cannot unmarshal number 1.5"},
		{"zero count", `{` + head + `,"count":0,"counts":[[62,0]]}`, "count 0"},
		{"out of order", `{` + head + `,"count":2,"min":1000,"max":2000,"sum":3000,"counts":[[126,1],[62,1]]}`, "strictly increasing"},
		{"repeated", `{` + head + `,"count":2,"min":1000,"max":1000,"sum":2000,"counts":[[62,1],[62,1]]}`, "strictly increasing"},
		{"count disagrees", `{` + head + `,"count":2,"min":1000,"max":1000,"sum":1000,"counts":[[62,1]]}`, "add up to 1"},
		{"counts overflow", `{` + head + `,"count":1,"counts":[[1,18446744073709551615],[2,2]]}`, "more than 2^64"},
		{"empty with min", `{` + head + `,"count":0,"min":5,"counts":[]}`, "empty histogram"},
		{"min above max", `{` + head + `,"count":1,"min":5000,"max":1000,"sum":1000,"counts":[[62,1]]}`, "min 5000 ns above max 1000 ns"},
		{"min in another bucket", `{` + head + `,"count":1,"min":500,"max":1000,"sum":1000,"counts":[[62,1]]}`, "min 500ns is in bucket 31"},
		{"max in another bucket", `{` + head + `,"count":1,"min":1000,"max":5000,"sum":1000,"counts":[[62,1]]}`, "max 5µs is in bucket 206"},
		{"max above top", `{` + head + `,"count":1,"min":1000,"max":4398046511104,"sum":1000,"counts":[[62,1]]}`, "above the top"},
		{"sum too small", `{` + head + `,"count":1,"min":1000,"max":1000,"sum":999,"counts":[[62,1]]}`, "below count × min"},
		{"sum too big", `{` + head + `,"count":1,"min":1000,"max":1000,"sum":1001,"counts":[[62,1]]}`, "above count × max"},
		{"overflow without top", `{` + head + `,` + `"count":1,"min":1000,"max":1000,"sum":1000,"overflow":1,"counts":[[62,1]]}`, "overflow 1"},
		{"overflow above top count", `{` + head + `,"count":1,"min":4398046511103,"max":4398046511103,"sum":4398046511103,"overflow":2,"counts":[[2111,1]]}`, "overflow 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			h.Record(time.Second)
			before := h
			err := json.Unmarshal([]byte(tt.in), &h)
			if err == nil {
				t.Fatalf("Unmarshal(%s) accepted it", tt.in)
			}
			if h != before {
				t.Error("Unmarshal changed the histogram on error")
			}
			// Called directly (encoding/json checks the syntax first and
			// words its own errors), every refusal says what is wrong and
			// wraps ErrMalformed.
			err = h.UnmarshalJSON([]byte(tt.in))
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("UnmarshalJSON error %v does not wrap ErrMalformed", err)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
			if h != before {
				t.Error("UnmarshalJSON changed the histogram on error")
			}
		})
	}
}

// TestJSONLargest checks the worst-case size MarshalJSON's comment states:
// every bucket used, with counts as long as their sum allows.
func TestJSONLargest(t *testing.T) {
	var h Histogram
	for i := range Buckets {
		lo, _ := bucketBounds(i)
		h.RecordN(time.Duration(lo), (1<<64-1)/Buckets)
	}
	b, err := json.Marshal(h)
	if err != nil || len(b) >= 56<<10 {
		t.Fatalf("the fullest histogram marshals to %d bytes (err %v), want under 56 KB", len(b), err)
	}
	var got Histogram
	if err := json.Unmarshal(b, &got); err != nil || got != h {
		t.Fatalf("the fullest histogram does not round trip: %v", err)
	}
}

// TestAppendJSONNoAlloc: a worker appends its histograms to a reused
// report buffer; with room in it, that allocates nothing, and the bytes
// are MarshalJSON's.
func TestAppendJSONNoAlloc(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	want, _ := h.MarshalJSON()
	buf := make([]byte, 0, 64<<10)
	if got := h.AppendJSON(buf[:0]); string(got) != string(want) {
		t.Fatalf("AppendJSON = %s, want %s", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { buf = h.AppendJSON(buf[:0]) }); n != 0 {
		t.Errorf("AppendJSON allocates %v times with room in the buffer", n)
	}
}
