package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// LatencyText renders a run's latency for the terminal: the report's
// Latency table (a row per phase and measure, and the whole run's unless
// it is one phase's figures again) and Traffic table in aligned columns,
// then the protocol's and the reconnects' counts; "" when the run timed
// nothing (external clients, no connect).
func LatencyText(phases []results.Phase, sum results.Summary) string {
	lat, ok := latencyRows(phases, &sum)
	if !ok {
		return ""
	}
	var b strings.Builder
	b.WriteString(lat.text())
	if tr, ok := trafficRows(phases); ok {
		b.WriteString("\n" + tr.text())
	}
	if p := sum.Protocol; p != nil {
		fmt.Fprintf(&b, "  %s: %d handshakes, keep-alives %d sent, %d answered, %d server pings answered, %d frames pushed",
			printable.String(p.Name), p.Handshakes, p.KeepAliveSent, p.KeepAliveAnswered, p.Pongs, p.Pushes)
		for _, k := range slices.Sorted(maps.Keys(p.Statuses)) {
			fmt.Fprintf(&b, ", %s %d", printable.String(k), p.Statuses[k])
		}
		b.WriteString("\n")
	}
	if sum.Reconnects > 0 {
		fmt.Fprintf(&b, "  reconnects: %d started, %d back\n", sum.Reconnects, sum.Reconnected)
	}
	return b.String()
}
