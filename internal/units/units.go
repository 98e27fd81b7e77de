// Package units formats counts, byte sizes and durations the one way the
// terminal, the reports and the error messages show them.
package units

import (
	"math"
	"strconv"
	"strings"
)

// Count formats a count with thousands separators: 1234567 → "1,234,567";
// a non-integer keeps two decimals below 100 and none above.
func Count(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if v != math.Trunc(v) || math.Abs(v) >= 1e15 {
		if math.Abs(v) >= 100 {
			return Group(strconv.FormatFloat(v, 'f', 0, 64))
		}
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return Group(strconv.FormatFloat(v, 'f', 0, 64))
}

// Int formats an integer with thousands separators: 1000000 → "1,000,000".
func Int(n int64) string { return Group(strconv.FormatInt(n, 10)) }

// Plural is n as Int gives it and the noun for its count: "1 port",
// "20,000 ports".
func Plural(n int64, one, many string) string {
	if n == 1 {
		return Int(n) + " " + one
	}
	return Int(n) + " " + many
}

// Group puts thousands separators into a decimal integer's digits:
// "-1234567" → "-1,234,567".
func Group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Bytes formats a byte count in binary units: 1536 → "1.5 KiB",
// 512 → "512 B".
func Bytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return Count(math.Round(v)) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// Seconds formats a duration in seconds with three significant figures in
// the unit that fits: 0.000812 → "812 µs", 0.0123 → "12.3 ms",
// 1.02 → "1.02 s"; NaN and infinities as "—".
func Seconds(sec float64) string {
	switch {
	case math.IsNaN(sec) || math.IsInf(sec, 0):
		return "—"
	case sec == 0:
		return "0"
	case sec < 1e-6:
		return sig3(sec*1e9) + " ns"
	case sec < 1e-3:
		return sig3(sec*1e6) + " µs"
	case sec < 1:
		return sig3(sec*1e3) + " ms"
	}
	return sig3(sec) + " s"
}

// sig3 writes v (at least 1) with three significant figures, without an
// exponent: 812, 12.3, 1.02, 1234.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
