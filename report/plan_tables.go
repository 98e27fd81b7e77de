package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/protocols"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// planArithmetic is the plan's arithmetic as label/value rows:
// five-tuples, fd budget, workers, files, memory, links, traffic, TIME_WAIT.
func planArithmetic(p *plan.Plan) table {
	how := fmt.Sprintf("SO_REUSEPORT, %d listeners each", p.Listeners)
	if p.PortPerCopy {
		how = fmt.Sprintf("one server port each, {%s}", scenarios.WorkerPortPlaceholder)
	}
	var pool, traffic, timeWait string
	if p.ConnPoolBytes > 0 {
		pool = fmt.Sprintf("~%s resident (2 buffers per connection, in worker memory), %s reserved for the workers' fd limits",
			size(p.ConnPoolBytes), size(p.ConnPoolReserved))
	}
	if p.MessagesPerSecond > 0 {
		traffic = fmt.Sprintf("%s messages/s in the busiest traffic phase (connections × fraction / interval), %s", rate(p.MessagesPerSecond), answeredBy(p.Client))
	}
	if p.TimeWait > 0 {
		timeWait = fmt.Sprintf("%s in the busiest namespace, cap %s", units.Int(p.TimeWait), units.Int(p.TimeWaitBudget))
	}
	t := kv("Plan",
		"addresses", addressesText(p.Topology),
		"five-tuples", fmt.Sprintf("%s pairs (source, destination, port) × %s source ports (%d-%d) = %s",
			units.Int(p.Pairs), units.Int(p.PortsPerPair), p.PortLow, p.PortHigh, units.Int(p.FiveTuples)),
		"fd budget", fmt.Sprintf("%s per worker (RLIMIT_NOFILE server %s, client %s, minus %d reserved)",
			units.Int(p.FDBudget), units.Int(p.ServerFDLimit), units.Int(p.ClientFDLimit), plan.FDReserve),
		"server workers", fmt.Sprintf("%d, ~%s connections each (%s)", p.ServerWorkers, units.Int(p.ConnsPerServerWorker), how),
		"server engine", engineText(p),
		"client workers", fmt.Sprintf("%d (%d per namespace), ~%s connections each",
			p.ClientWorkers, p.ClientWorkersPerNamespace, units.Int(p.ConnsPerClientWorker)),
		"file descriptors", units.Int(p.FileDescriptors)+" (both ends run on this host)",
		"kernel memory", fmt.Sprintf("~%s (%s B per socket, 2 per connection)", size(p.KernelBytes), units.Int(plan.KernelBytesPerSocket)),
		"worker memory", "~"+size(p.UserBytes),
		"connection pool", pool,
		"client links", linkShape(p.Topology),
		"traffic", traffic,
		"TIME_WAIT", timeWait,
	)
	t.note, t.textLeft = planHeading(p)+".", 2
	return t
}

// engineText is the built-in server's engine and why ("" for a program).
func engineText(p *plan.Plan) string {
	if p.ServerEngine == "" {
		return ""
	}
	return p.ServerEngine + " (" + p.ServerEngineWhy + ")"
}

// planLimits is each limit with what the scenario needs, what the host
// has, the headroom and the status; its note names the first limit (and
// any other that fails) with why and the fix.
func planLimits(p *plan.Plan) table {
	t := table{title: "Plan: limits", head: []string{"LIMIT", "NEED", "HAVE", "HEADROOM", "STATUS"}, textLeft: 5}
	for _, l := range p.Limits {
		t.rows = append(t.rows, []string{l.Name, l.Amount(l.Need), l.Amount(l.Have), headroom(l), status(l)})
	}
	var notes []string
	for _, n := range firstLimits(p) {
		s := fmt.Sprintf("%s: %s (%s): %s.", n.label, n.l.Name, status(n.l), n.l.Why)
		if n.l.Fix != "" {
			s += " Fix: " + n.l.Fix + "."
		}
		notes = append(notes, s)
	}
	t.note = strings.Join(notes, " ")
	return t
}

// namedLimit is a limit the plan points out: the first, or also failing.
type namedLimit struct {
	label string // "First limit" or "Also"
	l     plan.Limit
}

// firstLimits is the plan's first limit, then every other that fails.
func firstLimits(p *plan.Plan) []namedLimit {
	if p.First == nil {
		return nil
	}
	out := []namedLimit{{"First limit", *p.First}}
	for _, l := range p.Limits {
		if !l.OK && l.Name != p.First.Name {
			out = append(out, namedLimit{"Also", l})
		}
	}
	return out
}

// answeredBy says how a traffic request comes back.
func answeredBy(c scenarios.Client) string {
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

// size formats a byte count.
func size(b int64) string { return units.Bytes(float64(b)) }

func headroom(l plan.Limit) string {
	if l.Have == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*l.Headroom())
}

func status(l plan.Limit) string {
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

func expectedBy(l plan.Limit) string {
	if l.Errno != "" {
		return l.Errno
	}
	return "the lab expects it"
}

// addressesText says which family the run speaks and where its addresses
// come from: "IPv6 from 2001:2::/48: 1 server address, 4 client
// namespaces × 8 addresses".
func addressesText(tp scenarios.Topology) string {
	fam, from := "IPv4", tp.Subnet.String()
	switch tp.Family {
	case scenarios.FamilyIPv6:
		fam, from = "IPv6", tp.Subnet6.String()
	case scenarios.FamilyDual:
		fam, from = "dual stack (each address in both families)", tp.Subnet.String()+" and "+tp.Subnet6.String()
	}
	clients := units.Plural(int64(tp.ClientAddresses), "address", "addresses")
	if tp.ClientSources == scenarios.SourcesAnyIP {
		clients = units.Plural(int64(tp.ClientAddresses), "AnyIP source", "AnyIP sources") + " bound from its /64 (none added)"
	}
	return fmt.Sprintf("%s from %s: %s, %s × %s", fam, from,
		units.Plural(int64(tp.ServerAddresses), "server address", "server addresses"),
		units.Plural(int64(tp.ClientNamespaces), "client namespace", "client namespaces"), clients)
}
