package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/sat"
)

// phaseKeys lists the keys each phase kind accepts.
var phaseKeys = map[string][]string{
	PhaseConnect: {"kind", "name", "target", "rate", "timeout"},
	PhaseHold:    {"kind", "name", "duration"},
	PhaseClose:   {"kind", "name", "side", "fraction", "mode", "rate", "timeout"},
	PhaseSend:    {"kind", "name", "bytes", "from", "timeout"},
	PhaseWait:    {"kind", "name", "until", "timeout"},
	PhaseTraffic: {"kind", "name", "duration", "interval", "bytes", "fraction", "timeout"},
}

var phaseKinds = []string{PhaseConnect, PhaseHold, PhaseClose, PhaseSend, PhaseWait, PhaseTraffic}

// phases reads the [[phase]] list; serverCloseMode is [server]
// close-mode, the default mode of close phases with side = "server".
func (d *decoder) phases(root table, serverCloseMode string) []Phase {
	v, ok := root.m["phase"]
	if !ok {
		d.failAt(pos{}, `add at least one [[phase]], e.g. [[phase]] kind = "connect"`, "the scenario has no phases")
		return nil
	}
	list, ok := v.([]map[string]any)
	if !ok {
		d.failKey("phase", `write each phase as [[phase]] (double brackets): phases are an ordered list`, "phase: want a list of tables, got %s", typeName(v))
		return nil
	}
	out := make([]Phase, 0, len(list))
	for i, m := range list {
		t := table{path: fmt.Sprintf("phase[%d]", i), name: fmt.Sprintf("phase %d", i+1), m: m}
		out = append(out, d.phase(t, i, serverCloseMode))
	}
	return out
}

func (d *decoder) phase(t table, i int, serverCloseMode string) Phase {
	kind, ok := t.m["kind"].(string)
	if _, present := t.m["kind"]; !present {
		d.failKey(t.path, "add kind = \"connect\", \"hold\", \"close\", \"send\", \"wait\" or \"traffic\"", "%s has no kind", t.name)
		return Phase{}
	}
	if !ok {
		d.wrongType(t, "kind", "a string", `write kind = "connect"`)
		return Phase{}
	}
	allowed, known := phaseKeys[kind]
	if !known {
		d.failVal(t.child("kind"), "use one of "+quoteList(phaseKinds), "%s: unknown kind %q", t.name, kind)
		return Phase{}
	}
	for _, k := range sortedByPos(d, t.path, t.m) {
		if slices.Contains(allowed, k) {
			continue
		}
		if kinds := kindsWith(k); kinds != "" {
			d.failKey(t.child(k), fmt.Sprintf("remove it; %q belongs to %s phases", k, kinds), "%s: key %q does not apply to a %s phase", t.name, k, kind)
		}
	}
	d.known(t, allAllowed()...)
	p := Phase{Kind: kind, Name: d.str(t, "name", fmt.Sprintf("%s-%d", kind, i+1))}
	timeout := d.duration(t, "timeout", DefaultPhaseTimeout)
	switch kind {
	case PhaseConnect:
		p.Target = int(d.count(t, "target", 0, 0, 1<<40))
		p.Rate = int(d.count(t, "rate", 0, 0, 1<<40))
		p.Timeout = timeout
	case PhaseHold:
		p.Duration = d.duration(t, "duration", 0)
		if _, present := t.m["duration"]; !present || p.Duration == 0 {
			d.failKey(t.child("duration"), `add duration = "10s"`, "%s: a hold phase needs a duration above 0", t.name)
		}
	case PhaseClose:
		if _, present := t.m["side"]; !present {
			d.failKey(t.path, `add side = "client" or side = "server"`, "%s: a close phase needs a side", t.name)
		} else {
			p.Side = d.enum(t, "side", "", "client", "server")
		}
		p.Fraction = d.float(t, "fraction", DefaultFraction)
		if p.Fraction <= 0 || p.Fraction > 1 || p.Fraction != p.Fraction {
			d.failVal(t.child("fraction"), "use a fraction above 0 and at most 1 (1 closes every connection)", "%s: fraction %v is out of range", t.name, p.Fraction)
		}
		mode := DefaultCloseMode
		if p.Side == "server" && serverCloseMode != "" {
			mode = serverCloseMode
		}
		p.Mode = d.enum(t, "mode", mode, "fin", "rst")
		p.Rate = int(d.count(t, "rate", 0, 0, 1<<40))
		p.Timeout = timeout
	case PhaseSend:
		p.Bytes = d.sizeIn(t, "bytes", 0, MaxSendBytes)
		if p.Bytes <= 0 && d.err == nil {
			d.failKey(t.child("bytes"), `add bytes = "64KiB" (bytes each connection sends)`, "%s: a send phase needs bytes above 0", t.name)
		}
		p.From = d.enum(t, "from", DefaultSendFrom, "client", "server")
		p.Timeout = timeout
	case PhaseWait:
		if until := d.str(t, "until", ""); until != "" {
			c, err := ParseCondition(until)
			if err != nil {
				d.failVal(t.child("until"), conditionFix, "%s: %v", t.name, err)
			}
			p.Until = c
		} else if _, present := t.m["timeout"]; !present {
			d.failKey(t.path, conditionFix+`, or give only timeout = "30s" to wait that long`, "%s: a wait phase needs until or timeout", t.name)
		}
		p.Timeout = timeout
	case PhaseTraffic:
		d.traffic(t, &p)
	}
	return p
}

// traffic reads a traffic phase: duration and interval (required),
// bytes (DefaultTrafficBytes), fraction (DefaultFraction), timeout
// (duration + interval + DefaultPhaseTimeout, and more than duration).
func (d *decoder) traffic(t table, p *Phase) {
	p.Duration = d.durationIn(t, "duration", MaxTrafficDuration)
	if _, present := t.m["duration"]; d.err == nil && (!present || p.Duration == 0) {
		d.failKey(t.child("duration"), `add duration = "60s" (how long the connections send)`, "%s: a traffic phase needs a duration above 0", t.name)
	}
	p.Interval = d.duration(t, "interval", 0)
	if _, present := t.m["interval"]; d.err == nil && !present {
		d.failKey(t.path, `add interval = "10s" (each connection sends a message that often)`, "%s: a traffic phase needs an interval", t.name)
	}
	if d.err == nil && p.Interval < MinTrafficInterval {
		d.failVal(t.child("interval"), fmt.Sprintf("use an interval of at least %v", MinTrafficInterval), "%s: interval %v is below %v", t.name, p.Interval, MinTrafficInterval)
	}
	if d.err == nil && p.Interval > p.Duration {
		d.failVal(t.child("interval"), fmt.Sprintf("make the interval at most the duration (%v), or the duration longer", p.Duration),
			"%s: interval %v is longer than the duration %v: connections whose first send falls after the duration would never send", t.name, p.Interval, p.Duration)
	}
	p.Bytes = DefaultTrafficBytes
	if _, present := t.m["bytes"]; present {
		p.Bytes = d.sizeIn(t, "bytes", DefaultTrafficBytes, MaxTrafficBytes)
		if d.err == nil && p.Bytes < MinTrafficBytes {
			d.failVal(t.child("bytes"), fmt.Sprintf("use at least %d bytes (the first 8 carry the send time)", MinTrafficBytes),
				"%s: a message of %d bytes is below the minimum %d", t.name, p.Bytes, MinTrafficBytes)
		}
	}
	p.Fraction = d.float(t, "fraction", DefaultFraction)
	if p.Fraction <= 0 || p.Fraction > 1 || p.Fraction != p.Fraction {
		d.failVal(t.child("fraction"), "use a fraction above 0 and at most 1 (1: every connection sends)", "%s: fraction %v is out of range", t.name, p.Fraction)
	}
	p.Timeout = d.duration(t, "timeout", satDur(p.Duration, p.Interval, DefaultPhaseTimeout))
	if d.err == nil && p.Timeout <= p.Duration {
		d.failVal(t.child("timeout"), fmt.Sprintf("make the timeout longer than the duration, e.g. %q (duration + interval + %v, the default)",
			satDur(p.Duration, p.Interval, DefaultPhaseTimeout).String(), DefaultPhaseTimeout),
			"%s: timeout %v is not longer than the duration %v: the phase could never finish", t.name, p.Timeout, p.Duration)
	}
}

// satDur adds non-negative durations, stopping at the largest instead of
// overflowing (sat.Add).
func satDur(ds ...time.Duration) time.Duration {
	ns := make([]int64, len(ds))
	for i, d := range ds {
		ns[i] = int64(d)
	}
	return time.Duration(sat.Add(ns...))
}

func kindsWith(k string) string {
	var kinds []string
	for _, kind := range phaseKinds {
		if slices.Contains(phaseKeys[kind], k) {
			kinds = append(kinds, kind)
		}
	}
	return strings.Join(kinds, " and ")
}

func allAllowed() []string {
	var all []string
	for _, kind := range phaseKinds {
		for _, k := range phaseKeys[kind] {
			if !slices.Contains(all, k) {
				all = append(all, k)
			}
		}
	}
	return all
}
