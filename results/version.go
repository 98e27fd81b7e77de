package results

import (
	"encoding/json"
	"strings"
	"unicode"
)

// RecordVersion is the version of run.json this package writes.
//
// Version 2 has snake_case keys throughout: scenario_body and plan take
// their keys from the json tags of the scenarios package, and durations
// are float seconds under keys ending in _seconds. Version 1 wrote
// scenario_body and plan with Go field names (Limits, Need, FDBudget) and
// durations as integer nanoseconds; ReadRecord and Load still read it,
// converting those two sections to the version 2 form.
const RecordVersion = 2

// v1DataMaps are the maps of a version 1 scenario_body (dotted Go field
// names) whose keys are data (sysctl keys, environment variables, counter
// names), not field names, and so are kept as they are.
var v1DataMaps = map[string]bool{
	"Host": true, "Server.Env": true, "Client.Env": true,
	"Sysctl.Server": true, "Sysctl.Client": true,
	"Expect.Counters": true, "Expect.CountersMax": true,
}

// v1Durations are the Go field names that held a time.Duration (integer
// nanoseconds) in a version 1 scenario_body or plan.
var v1Durations = map[string]bool{"Duration": true, "Timeout": true, "CloseWithin": true}

// decodeRecord decodes run.json of any version we know into rec, in the
// form of RecordVersion.
func decodeRecord(data []byte, rec *Record) error {
	if err := json.Unmarshal(data, rec); err != nil {
		return err
	}
	upgradeRecord(rec)
	return nil
}

// upgradeRecord converts the sections of an older record that changed
// form to the current one.
func upgradeRecord(rec *Record) {
	if rec.Version >= 2 {
		return
	}
	rec.ScenarioBody = upgradeV1(rec.ScenarioBody, "", v1DataMaps)
	rec.Plan = upgradeV1(rec.Plan, "", nil)
}

// upgradeV1 rewrites a decoded version 1 section: Go field names become
// snake_case (v1Key), nanosecond durations become seconds; the maps named
// in data keep their keys.
func upgradeV1(v any, path string, data map[string]bool) any {
	switch x := v.(type) {
	case map[string]any:
		if data[path] {
			return x
		}
		out := make(map[string]any, len(x))
		for k, val := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if ns, ok := val.(float64); ok && v1Durations[k] {
				val = ns / 1e9
			}
			out[v1Key(k, v1Durations[k])] = upgradeV1(val, p, data)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = upgradeV1(e, path, data)
		}
		return x
	}
	return v
}

// v1Key returns the version 2 key of a version 1 field: the Go field name
// in snake_case (FiveTuples → five_tuples, FDBudget → fd_budget, CPUs →
// cpus), with _seconds appended for a duration.
func v1Key(goName string, duration bool) string {
	rs := []rune(goName)
	var b strings.Builder
	for i, r := range rs {
		if !unicode.IsUpper(r) {
			b.WriteRune(r)
			continue
		}
		if i > 0 {
			prev := rs[i-1]
			switch {
			case unicode.IsLower(prev) || unicode.IsDigit(prev):
				b.WriteByte('_')
			case i+1 < len(rs) && unicode.IsLower(rs[i+1]) && !pluralS(rs, i+1):
				// The last capital of an acronym starts the next word
				// (FDBudget → fd_budget), unless what follows is only
				// the acronym's plural s (CPUs → cpus).
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	if duration {
		b.WriteString("_seconds")
	}
	return b.String()
}

// pluralS reports whether rs[i] is an "s" that ends the word (the end of
// the name or a capital follows).
func pluralS(rs []rune, i int) bool {
	return rs[i] == 's' && (i+1 == len(rs) || unicode.IsUpper(rs[i+1]))
}
