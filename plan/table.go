package plan

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/c1m-testbed/c1m-testbed/internal/protocols"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// WriteTable prints the plan as a readable table: the arithmetic, then each
// limit with what the scenario needs, what the host has, the headroom and
// the fix. It is meant to teach as much as to check.
func (p *Plan) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "Plan for %s (%s): %s connections\n\n", p.Scenario, p.Source, units.Int(p.Connections))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	row("five-tuples", fmt.Sprintf("%s pairs (source, destination, port) × %s source ports (%d-%d) = %s",
		units.Int(p.Pairs), units.Int(p.PortsPerPair), p.PortLow, p.PortHigh, units.Int(p.FiveTuples)))
	row("fd budget", fmt.Sprintf("%s per worker (RLIMIT_NOFILE server %s, client %s, minus %d reserved)",
		units.Int(p.FDBudget), units.Int(p.ServerFDLimit), units.Int(p.ClientFDLimit), FDReserve))
	how := fmt.Sprintf("SO_REUSEPORT, %d listeners each", p.Listeners)
	if p.PortPerCopy {
		how = fmt.Sprintf("one server port each, {%s}", scenarios.WorkerPortPlaceholder)
	}
	row("server workers", fmt.Sprintf("%d, ~%s connections each (%s)", p.ServerWorkers, units.Int(p.ConnsPerServerWorker), how))
	row("client workers", fmt.Sprintf("%d (%d per namespace), ~%s connections each",
		p.ClientWorkers, p.ClientWorkersPerNamespace, units.Int(p.ConnsPerClientWorker)))
	row("file descriptors", units.Int(p.FileDescriptors)+" (both ends run on this host)")
	row("kernel memory", fmt.Sprintf("~%s (%s B per socket, 2 per connection)", size(p.KernelBytes), units.Int(KernelBytesPerSocket)))
	row("worker memory", "~"+size(p.UserBytes))
	if p.ConnPoolBytes > 0 {
		row("connection pool", fmt.Sprintf("~%s resident (2 buffers per connection, in worker memory), %s reserved for the workers' fd limits",
			size(p.ConnPoolBytes), size(p.ConnPoolReserved)))
	}
	if link := linkShape(p.link); link != "" {
		row("client links", link)
	}
	if p.MessagesPerSecond > 0 {
		row("traffic", fmt.Sprintf("%s messages/s in the busiest traffic phase (connections × fraction / interval), %s", rate(p.MessagesPerSecond), p.answeredBy()))
	}
	if p.TimeWait > 0 {
		row("TIME_WAIT", fmt.Sprintf("%s in the busiest namespace, cap %s", units.Int(p.TimeWait), units.Int(p.TimeWaitBudget)))
	}
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  LIMIT\tNEED\tHAVE\tHEADROOM\tSTATUS\n")
	for _, l := range p.Limits {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", l.Name, human(l.Need, l.Unit), human(l.Have, l.Unit), headroom(l), status(l))
	}
	tw.Flush()

	if p.First != nil {
		l := p.First
		fmt.Fprintf(w, "\nFirst limit: %s (%s)\n  %s\n", l.Name, status(*l), l.Why)
		if l.Fix != "" {
			fmt.Fprintf(w, "  fix: %s\n", l.Fix)
		}
	}
	for _, l := range p.Limits {
		if !l.OK && p.First != nil && l.Name != p.First.Name {
			fmt.Fprintf(w, "\nAlso: %s (%s)\n  %s\n  fix: %s\n", l.Name, status(l), l.Why, l.Fix)
		}
	}
}

// answeredBy says how a traffic request comes back.
func (p *Plan) answeredBy() string {
	c := p.client
	switch c.Protocol {
	case "", scenarios.DefaultProtocol:
		return "each echoed"
	case "http":
		return "each a keep-alive GET answered in order"
	case "line":
		return "each a line request answered in order"
	}
	if protocols.Echoes(c.Protocol, c.Proto.Request) {
		return fmt.Sprintf("each a %s %s whose reply brings its send time back", c.Protocol, c.Proto.Request)
	}
	return fmt.Sprintf("each a %s %s answered in order (one in flight per connection)", c.Protocol, c.Proto.Request)
}

// linkShape describes the netem shaping of the client links, "" when none.
func linkShape(t scenarios.Topology) string {
	var parts []string
	if t.LinkDelay > 0 {
		d := fmt.Sprintf("%v delay each way", t.LinkDelay)
		if t.LinkJitter > 0 {
			d = fmt.Sprintf("%v ± %v delay each way", t.LinkDelay, t.LinkJitter)
		}
		parts = append(parts, d+fmt.Sprintf(" (round trips of at least %v)", 2*(t.LinkDelay-t.LinkJitter)))
	}
	if t.LinkLoss > 0 {
		parts = append(parts, fmt.Sprintf("%v%% loss each way", t.LinkLoss))
	}
	if t.LinkRate > 0 {
		parts = append(parts, fmt.Sprintf("at most %s bit/s each way", units.Int(int64(min(t.LinkRate, math.MaxInt64)))))
	}
	return strings.Join(parts, ", ")
}

// rate formats a per-second figure: whole with separators from 100 up,
// else with its decimals.
func rate(r float64) string {
	if r >= 100 {
		return units.Int(int64(math.Round(r)))
	}
	return strconv.FormatFloat(r, 'g', 3, 64)
}

func human(n int64, unit string) string {
	if unit == "bytes" {
		return size(n)
	}
	return units.Int(n) + " " + unit
}

func headroom(l Limit) string {
	if l.Have == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*l.Headroom())
}

func status(l Limit) string {
	switch {
	case l.OK:
		return "ok"
	case l.Expected:
		return "HIT, expected (" + expectedBy(l) + ")"
	case l.Soft:
		return "HIT, soft"
	}
	return "EXCEEDED"
}

func expectedBy(l Limit) string {
	if l.Errno != "" {
		return l.Errno
	}
	return "the lab expects it"
}
