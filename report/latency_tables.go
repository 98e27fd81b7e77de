package report

import (
	"fmt"
	"math"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// latencyMeasures names the latencies a record holds, in the order
// the report shows them, with how to read each from a phase and a summary.
var latencyMeasures = []struct {
	name    string // as shown
	file    string // chart file name part
	phase   func(*results.Phase) *results.Latency
	summary func(*results.Summary) *results.Latency
}{
	{"connect", "connect", func(p *results.Phase) *results.Latency { return p.Connect }, func(s *results.Summary) *results.Latency { return s.Connect }},
	{"loop wait", "loopwait", func(p *results.Phase) *results.Latency { return p.LoopWait }, func(s *results.Summary) *results.Latency { return s.LoopWait }},
	{"handshake", "handshake", func(p *results.Phase) *results.Latency { return p.Handshake }, func(s *results.Summary) *results.Latency { return s.Handshake }},
	{"round trip", "rtt", func(p *results.Phase) *results.Latency { return p.RTT }, func(s *results.Summary) *results.Latency { return s.RTT }},
}

// latencyMetrics are the summary lines of one whole-run latency.
func latencyMetrics(name string, l *results.Latency) []metric {
	if l == nil {
		return nil
	}
	d := func(label string, v float64) metric {
		return metric{label: name + " " + label, value: v, numeric: true, text: units.Seconds(v)}
	}
	return []metric{
		{label: name + "s timed", value: float64(l.Count), numeric: true, text: units.Count(float64(l.Count))},
		d("p50", l.P50), d("p90", l.P90), d("p99", l.P99), d("p99.9", l.P999), d("max", l.Max),
	}
}

// latencyTable lists each phase's connect and round-trip percentiles, and
// the whole run's; false when the record holds no latency at all.
func latencyTable(rec *results.Record) (table, bool) {
	return latencyRows(rec.Phases, &rec.Summary)
}

// latencyRows is latencyTable of phases and the whole run's summary.
func latencyRows(phases []results.Phase, sum *results.Summary) (table, bool) {
	t := table{title: "Latency", head: []string{"phase", "latency", "count", "p50", "p90", "p99", "p99.9", "max"}, textLeft: 2,
		note: "Connects are timed from their intended start to established, round trips from the message's intended send time to its echo read back (a late send counts: no coordinated omission). " +
			"Loop wait: of one connect in 64, how long it sat established (the kernel's handshake done) before the client's loop reached it, the generator's own share of the connect latency."}
	row := func(phase, measure string, l *results.Latency) []string {
		return []string{phase, measure, units.Count(float64(l.Count)), units.Seconds(l.P50), units.Seconds(l.P90),
			units.Seconds(l.P99), units.Seconds(l.P999), units.Seconds(l.Max)}
	}
	for _, m := range latencyMeasures {
		var timed []*results.Latency
		for i := range phases {
			if l := m.phase(&phases[i]); l != nil {
				t.rows = append(t.rows, row(phases[i].Name, m.name, l))
				timed = append(timed, l)
			}
		}
		// The whole run, unless it is one phase's figures again.
		if l := m.summary(sum); l != nil && (len(timed) != 1 || timed[0].Count != l.Count) {
			t.rows = append(t.rows, row("whole run", m.name, l))
		}
	}
	for i := range phases {
		if f := closedLoopFlag(&phases[i]); f != "" {
			t.note += " " + f
		}
	}
	return t, len(t.rows) > 0
}

// closedLoopShare is the loop wait's share of the connect latency (p50
// against p50) above which a phase's connect latency is flagged as the
// clients' own.
const closedLoopShare = 0.5

// closedLoopFlag says when a phase's connect latency is mostly the
// clients' loop wait: their loops were behind, so the latency is the
// connects in progress over the loops' rate (a closed loop at
// saturation), not the server's accept. The adaptive window keeps that
// wait short (milliseconds, not seconds) but on a host whose CPUs the
// clients share with the server it is still most of the latency.
func closedLoopFlag(p *results.Phase) string {
	c, w := p.Connect, p.LoopWait
	if c == nil || w == nil || c.P50 <= 0 || w.P50 < closedLoopShare*c.P50 {
		return ""
	}
	return fmt.Sprintf("%s: closed loop at saturation: loop wait p50 %s is %.0f%% of connect p50 %s, so that latency is mostly the clients' own backlog, not the server's.",
		p.Name, units.Seconds(w.P50), 100*w.P50/c.P50, units.Seconds(c.P50))
}

// trafficTable lists what each traffic phase asked, sent and got back.
func trafficTable(rec *results.Record) (table, bool) { return trafficRows(rec.Phases) }

// trafficRows is trafficTable of phases.
func trafficRows(phases []results.Phase) (table, bool) {
	t := table{title: "Traffic", head: []string{"phase", "asked", "sent", "answered", "answered %", "asked/s", "answered/s", "bytes sent", "bytes received"}, textLeft: 1,
		note: "Asked: sends the schedule made due; sent: written whole; answered: echoes read back whole. Rates are per second of the phase."}
	for _, p := range phases {
		tr := p.Traffic
		if tr == nil {
			continue
		}
		pct, asked := "—", "—"
		if tr.MessagesAsked > 0 {
			pct = fmt.Sprintf("%.2f %%", 100*float64(tr.MessagesAnswered)/float64(tr.MessagesAsked))
		}
		if p.Seconds > 0 {
			asked = units.Count(math.Round(float64(tr.MessagesAsked)/p.Seconds)) + " /s"
		}
		t.rows = append(t.rows, []string{p.Name, units.Count(float64(tr.MessagesAsked)), units.Count(float64(tr.MessagesSent)),
			units.Count(float64(tr.MessagesAnswered)), pct, asked, units.Count(math.Round(tr.MessagesPerSecond)) + " /s",
			units.Bytes(float64(tr.BytesSent)), units.Bytes(float64(tr.BytesReceived))})
	}
	return t, len(t.rows) > 0
}

// trafficMetrics are the compare lines of each traffic phase: its
// answered messages per second.
func trafficMetrics(rec *results.Record) []metric {
	var ms []metric
	for _, p := range rec.Phases {
		if p.Traffic != nil {
			v := p.Traffic.MessagesPerSecond
			ms = append(ms, metric{label: "messages answered per second (" + p.Name + ")", value: v, numeric: true, text: units.Count(math.Round(v)) + " /s"})
		}
	}
	return ms
}
