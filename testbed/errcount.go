package testbed

import (
	"fmt"
	"strings"
)

// errorsString renders error counts compactly, biggest first.
func errorsString(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, k := range sortedByCount(m) {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}
