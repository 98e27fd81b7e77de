package units

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Duration formats a duration as Seconds does ("840 µs", "12.3 ms",
// "1.02 s"), and "-" for nothing recorded (d <= 0): the live progress
// line's and the expectations' latencies.
func Duration(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return Seconds(d.Seconds())
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
