package units

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Latency formats a latency tersely for the live progress line and the
// expectation table, with 2 or 3 significant digits and no space: "840µs",
// "12.3ms", "1.02s"; "-" for nothing recorded (d <= 0). It is older than
// Seconds and kept as it is so that these lines read as before.
func Latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.3gms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.3gs", d.Seconds())
}

// ErrorCounts formats counts by name compactly, biggest first (then by
// name): "EMFILE=12 ETIMEDOUT=3"; "none" for an empty map.
func ErrorCounts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}
