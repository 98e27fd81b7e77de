package testbed

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// latencyTable renders the run's latency results for the terminal: a row
// of count and percentiles per phase and kind (connect, handshake, rtt), a traffic
// line per traffic phase, and the whole run's rows; "" when the run
// recorded no latency (external clients, no connect).
func latencyTable(phases []results.Phase, sum results.Summary) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	rows := 0
	row := func(phase, what string, l *results.Latency) {
		if l == nil {
			return
		}
		rows++
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", printable.String(phase), what, l.Count,
			secs(l.P50), secs(l.P90), secs(l.P99), secs(l.P999), secs(l.Max))
	}
	fmt.Fprintf(tw, "  phase\twhat\tcount\tp50\tp90\tp99\tp99.9\tmax\t\n")
	var traffic []string
	for _, ph := range phases {
		row(ph.Name, "connect", ph.Connect)
		row(ph.Name, "handshake", ph.Handshake)
		row(ph.Name, "rtt", ph.RTT)
		if t := ph.Traffic; t != nil {
			traffic = append(traffic, fmt.Sprintf("  %s: %d messages asked, %d sent, %d answered: %.0f/s; %s sent, %s received",
				printable.String(ph.Name), t.MessagesAsked, t.MessagesSent, t.MessagesAnswered, t.MessagesPerSecond,
				bytesString(t.BytesSent), bytesString(t.BytesReceived)))
		}
	}
	row("whole run", "connect", sum.Connect)
	row("whole run", "handshake", sum.Handshake)
	row("whole run", "rtt", sum.RTT)
	tw.Flush()
	if rows == 0 {
		return ""
	}
	for _, t := range traffic {
		b.WriteString(t + "\n")
	}
	if p := sum.Protocol; p != nil {
		line := fmt.Sprintf("  %s: %d handshakes, keep-alives %d sent, %d answered, %d server pings answered, %d frames pushed",
			printable.String(p.Name), p.Handshakes, p.KeepAliveSent, p.KeepAliveAnswered, p.Pongs, p.Pushes)
		for _, k := range slices.Sorted(maps.Keys(p.Statuses)) {
			line += fmt.Sprintf(", %s %d", printable.String(k), p.Statuses[k])
		}
		b.WriteString(line + "\n")
	}
	if sum.Reconnects > 0 {
		fmt.Fprintf(&b, "  reconnects: %d started, %d back\n", sum.Reconnects, sum.Reconnected)
	}
	return b.String()
}

// secs renders a latency in seconds as durationString does.
func secs(s float64) string {
	if s <= 0 {
		return "0"
	}
	return durationString(time.Duration(s * 1e9))
}
