package histogram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"time"
)

// The serialised form's fixed fields: a reader refuses any other values,
// because bucket indexes mean nothing under another layout.
const (
	jsonUnit   = "ns"
	jsonSig    = 2
	jsonLayout = "log-linear/16ns/64/2112"
)

// ErrMalformed is wrapped by every error UnmarshalJSON returns for input
// that is not a histogram this package wrote.
var ErrMalformed = errors.New("histogram: malformed serialised histogram")

// wire is the serialised form. Counts are sparse [index, count] pairs with
// strictly increasing indexes and counts above 0; min, max and sum are in
// nanoseconds.
type wire struct {
	Unit     *string    `json:"unit"`
	Sig      *int       `json:"sig"`
	Layout   *string    `json:"layout"`
	Count    uint64     `json:"count"`
	Min      uint64     `json:"min"`
	Max      uint64     `json:"max"`
	Sum      uint64     `json:"sum"`
	Overflow uint64     `json:"overflow"`
	Counts   [][]uint64 `json:"counts"`
}

// MarshalJSON writes h as
//
//	{"unit":"ns","sig":2,"layout":"log-linear/16ns/64/2112","count":3,
//	 "min":1000,"max":5000,"sum":8000,"overflow":0,"counts":[[62,1],[130,2]]}
//
// with only the buckets that hold recordings, about 9 bytes each: 115
// bytes empty, 7 KB for 100,000 exponentially spread latencies (761
// buckets), 20 KB with every bucket used (TestJSONRoundTrip logs them),
// under 56 KB in the worst case (TestJSONLargest). UnmarshalJSON
// reads it back exactly. Counts are JSON integers up to 2^64 − 1 (readers
// in JavaScript lose precision above 2^53). The receiver is a value so
// that a Histogram field marshals whether or not it is addressable; on a
// hot path use AppendJSON, which neither copies h nor allocates.
func (h Histogram) MarshalJSON() ([]byte, error) {
	return h.AppendJSON(make([]byte, 0, 160+16*nonZero(&h))), nil
}

// AppendJSON appends h's JSON form (as MarshalJSON writes it) to b: no
// allocation when b has room, so a worker can put its histograms into a
// reused report buffer.
func (h *Histogram) AppendJSON(b []byte) []byte {
	b = append(b, `{"unit":"`+jsonUnit+`","sig":`...)
	b = strconv.AppendInt(b, jsonSig, 10)
	b = append(b, `,"layout":"`+jsonLayout+`","count":`...)
	b = strconv.AppendUint(b, h.count, 10)
	b = append(b, `,"min":`...)
	b = strconv.AppendUint(b, h.min, 10)
	b = append(b, `,"max":`...)
	b = strconv.AppendUint(b, h.max, 10)
	b = append(b, `,"sum":`...)
	b = strconv.AppendUint(b, h.sum, 10)
	b = append(b, `,"overflow":`...)
	b = strconv.AppendUint(b, h.overflow, 10)
	b = append(b, `,"counts":[`...)
	first := true
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, c, 10)
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

func nonZero(h *Histogram) int {
	n := 0
	for _, c := range h.counts {
		if c != 0 {
			n++
		}
	}
	return n
}

// UnmarshalJSON reads what MarshalJSON writes. It refuses, with an error
// wrapping ErrMalformed, unknown or missing fields, another unit, sig or
// layout, pairs that are not [index, count] with index in 0..2111, indexes
// out of order or repeated, zero counts, and totals that disagree with the
// counts (count, min, max, sum, overflow). On error h is unchanged; JSON
// null leaves h as it is, as encoding/json expects.
func (h *Histogram) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil // encoding/json's convention: null leaves the value as it is
	}
	var w wire
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: data after the histogram object", ErrMalformed)
	}
	var n Histogram
	if err := w.decode(&n); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	*h = n
	return nil
}

// decode checks w and fills h.
func (w *wire) decode(h *Histogram) error {
	switch {
	case w.Unit == nil || w.Sig == nil || w.Layout == nil:
		return errors.New(`missing "unit", "sig" or "layout"`)
	case *w.Unit != jsonUnit:
		return fmt.Errorf("unit %q, want %q", *w.Unit, jsonUnit)
	case *w.Sig != jsonSig:
		return fmt.Errorf("sig %d, want %d", *w.Sig, jsonSig)
	case *w.Layout != jsonLayout:
		return fmt.Errorf("layout %q, want %q: written by another version of the histogram", *w.Layout, jsonLayout)
	}
	var total uint64
	prev := -1
	for k, p := range w.Counts {
		if len(p) != 2 {
			return fmt.Errorf("counts[%d] has %d numbers, want [index, count]", k, len(p))
		}
		if p[0] >= Buckets {
			return fmt.Errorf("counts[%d] has index %d, want 0..%d", k, p[0], Buckets-1)
		}
		i := int(p[0])
		if i <= prev {
			return fmt.Errorf("counts[%d] has index %d after %d, want strictly increasing indexes", k, i, prev)
		}
		if p[1] == 0 {
			return fmt.Errorf("counts[%d] (index %d) has count 0, want only buckets that hold recordings", k, i)
		}
		var carry uint64
		total, carry = bits.Add64(total, p[1], 0)
		if carry != 0 {
			return errors.New("counts add up to more than 2^64 − 1")
		}
		h.counts[i] = p[1]
		prev = i
	}
	if total != w.Count {
		return fmt.Errorf("count %d, but the counts add up to %d", w.Count, total)
	}
	h.count, h.min, h.max, h.sum, h.overflow = w.Count, w.Min, w.Max, w.Sum, w.Overflow
	return h.checkTotals(int(w.firstIndex()), prev)
}

// firstIndex is the index of the first pair, or -1 when there is none.
func (w *wire) firstIndex() int64 {
	if len(w.Counts) == 0 {
		return -1
	}
	return int64(w.Counts[0][0])
}

// checkTotals checks min, max, sum and overflow against the counts, whose
// lowest and highest non-empty buckets are first and last (-1 when empty).
func (h *Histogram) checkTotals(first, last int) error {
	if h.count == 0 {
		if h.min != 0 || h.max != 0 || h.sum != 0 || h.overflow != 0 {
			return errors.New("an empty histogram with min, max, sum or overflow not 0")
		}
		return nil
	}
	if h.max > uint64(Top) {
		return fmt.Errorf("max %d ns, above the top %d ns", h.max, uint64(Top))
	}
	if h.min > h.max {
		return fmt.Errorf("min %d ns above max %d ns", h.min, h.max)
	}
	if i := indexOf(h.min); i != first {
		return fmt.Errorf("min %v is in bucket %d, but the lowest recorded bucket is %d", time.Duration(h.min), i, first)
	}
	if i := indexOf(h.max); i != last {
		return fmt.Errorf("max %v is in bucket %d, but the highest recorded bucket is %d", time.Duration(h.max), i, last)
	}
	// count × min <= sum <= count × max, in 128 bits.
	if hi, lo := bits.Mul64(h.count, h.min); hi != 0 || lo > h.sum {
		return fmt.Errorf("sum %d ns below count × min", h.sum)
	}
	if hi, lo := bits.Mul64(h.count, h.max); hi == 0 && lo < h.sum {
		return fmt.Errorf("sum %d ns above count × max", h.sum)
	}
	if h.overflow > 0 && (h.max != uint64(Top) || h.overflow > h.counts[Buckets-1]) {
		return fmt.Errorf("overflow %d, but the top bucket holds %d recordings and max is %v", h.overflow, h.counts[Buckets-1], time.Duration(h.max))
	}
	return nil
}
