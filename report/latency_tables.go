package report

import (
	"fmt"
	"math"
	"strconv"
)

// latencyMeasures names the latencies a record holds, in the order
// the report shows them, with how to read each from a phase and a summary.
var latencyMeasures = []struct {
	name    string // as shown
	file    string // chart file name part
	phase   func(*Phase) *Latency
	summary func(*Summary) *Latency
}{
	{"connect", "connect", func(p *Phase) *Latency { return p.Connect }, func(s *Summary) *Latency { return s.Connect }},
	{"handshake", "handshake", func(p *Phase) *Latency { return p.Handshake }, func(s *Summary) *Latency { return s.Handshake }},
	{"round trip", "rtt", func(p *Phase) *Latency { return p.RTT }, func(s *Summary) *Latency { return s.RTT }},
}

// durText formats seconds with three significant figures in the unit that
// fits: 0.000812 → "812 µs", 0.0123 → "12.3 ms", 1.02 → "1.02 s".
func durText(sec float64) string {
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

// latencyMetrics are the summary lines of one whole-run latency.
func latencyMetrics(name string, l *Latency) []metric {
	if l == nil {
		return nil
	}
	d := func(label string, v float64) metric {
		return metric{label: name + " " + label, value: v, numeric: true, text: durText(v)}
	}
	return []metric{
		{label: name + "s timed", value: float64(l.Count), numeric: true, text: num(float64(l.Count))},
		d("p50", l.P50), d("p90", l.P90), d("p99", l.P99), d("p99.9", l.P999), d("max", l.Max),
	}
}

// latencyTable lists each phase's connect and round-trip percentiles, and
// the whole run's; false when the record holds no latency at all.
func latencyTable(rec *Record) (table, bool) {
	t := table{title: "Latency", head: []string{"phase", "latency", "count", "p50", "p90", "p99", "p99.9", "max"},
		note: "Connects are timed from their intended start to established, round trips from the message's intended send time to its echo read back (a late send counts: no coordinated omission)."}
	row := func(phase, measure string, l *Latency) []string {
		return []string{phase, measure, num(float64(l.Count)), durText(l.P50), durText(l.P90),
			durText(l.P99), durText(l.P999), durText(l.Max)}
	}
	for _, m := range latencyMeasures {
		var phases []*Latency
		for i := range rec.Phases {
			if l := m.phase(&rec.Phases[i]); l != nil {
				t.rows = append(t.rows, row(rec.Phases[i].Name, m.name, l))
				phases = append(phases, l)
			}
		}
		// The whole run, unless it is one phase's figures again.
		if l := m.summary(&rec.Summary); l != nil && (len(phases) != 1 || phases[0].Count != l.Count) {
			t.rows = append(t.rows, row("whole run", m.name, l))
		}
	}
	return t, len(t.rows) > 0
}

// trafficTable lists what each traffic phase asked, sent and got back.
func trafficTable(rec *Record) (table, bool) {
	t := table{title: "Traffic", head: []string{"phase", "asked", "sent", "answered", "answered %", "asked/s", "answered/s", "bytes sent", "bytes received"},
		note: "Asked: sends the schedule made due; sent: written whole; answered: echoes read back whole. Rates are per second of the phase."}
	for _, p := range rec.Phases {
		tr := p.Traffic
		if tr == nil {
			continue
		}
		pct, asked := "—", "—"
		if tr.MessagesAsked > 0 {
			pct = fmt.Sprintf("%.2f %%", 100*float64(tr.MessagesAnswered)/float64(tr.MessagesAsked))
		}
		if p.Seconds > 0 {
			asked = num(math.Round(float64(tr.MessagesAsked)/p.Seconds)) + " /s"
		}
		t.rows = append(t.rows, []string{p.Name, num(float64(tr.MessagesAsked)), num(float64(tr.MessagesSent)),
			num(float64(tr.MessagesAnswered)), pct, asked, num(math.Round(tr.MessagesPerSecond)) + " /s",
			bytesIEC(float64(tr.BytesSent)), bytesIEC(float64(tr.BytesReceived))})
	}
	return t, len(t.rows) > 0
}

// trafficMetrics are the compare lines of each traffic phase: its
// answered messages per second.
func trafficMetrics(rec *Record) []metric {
	var ms []metric
	for _, p := range rec.Phases {
		if p.Traffic != nil {
			v := p.Traffic.MessagesPerSecond
			ms = append(ms, metric{label: "messages answered per second (" + p.Name + ")", value: v, numeric: true, text: num(math.Round(v)) + " /s"})
		}
	}
	return ms
}
