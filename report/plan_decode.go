package report

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// planSection is the report's Plan tables: those of `c1m-testbed plan`
// when run.json's plan (and its scenario_body's topology and clients)
// decode as today's plan.Plan, else the generic rendering of planTables
// (older versions, damaged files).
func planSection(rec *results.Record) []table {
	if p, ok := decodePlan(rec.Plan, rec.ScenarioBody); ok {
		return []table{planArithmetic(p), planLimits(p)}
	}
	return planTables(rec.Plan)
}

// decodePlan decodes a record's plan as today's plan.Plan: it must have
// exactly the keys today's plan writes (none unknown, none missing, the
// host's env included) and at least one limit; body must give the
// scenario's topology and clients.
func decodePlan(raw, body any) (*plan.Plan, bool) {
	data, err := json.Marshal(raw)
	if err != nil || raw == nil {
		return nil, false
	}
	var p plan.Plan
	if !strictDecode(data, &p) || len(p.Limits) == 0 {
		return nil, false
	}
	again, err := json.Marshal(&p)
	if err != nil || !sameKeys(data, again) {
		return nil, false
	}
	var sc struct {
		Topology scenarios.Topology `json:"topology"`
		Client   scenarios.Client   `json:"client"`
	}
	b, err := json.Marshal(body)
	if err != nil || body == nil || json.Unmarshal(b, &sc) != nil {
		return nil, false
	}
	p.Topology, p.Client = sc.Topology, sc.Client
	return &p, true
}

// strictDecode decodes one JSON value into v, refusing unknown keys.
func strictDecode(data []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if dec.Decode(v) != nil {
		return false
	}
	_, err := dec.Token()
	return err != nil // nothing after the value
}

// sameKeys reports whether two JSON values have the same shape: objects
// with the same keys, arrays of the same length, recursively (a record of
// an older plan lacks keys that today's would write with zero values).
func sameKeys(a, b []byte) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && sameShape(va, vb)
}

func sameShape(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || !slices.Equal(slices.Sorted(maps.Keys(x)), slices.Sorted(maps.Keys(y))) {
			return false
		}
		for k := range x {
			if !sameShape(x[k], y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameShape(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	_, isMap := b.(map[string]any)
	_, isList := b.([]any)
	return !isMap && !isList
}
