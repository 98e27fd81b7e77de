package results

import (
	"encoding"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// jsonKeys walks a type by reflection and returns every json key it
// marshals to, as dotted paths under prefix: a nested struct adds
// "key.", a slice or array of structs "key[].", a pointer is followed;
// maps (their keys are data), time.Time and types with their own
// marshalling are leaves. Fields tagged "-" and unexported fields are
// left out; an embedded struct's fields are its parent's.
func jsonKeys(t reflect.Type, prefix string) []string {
	var out []string
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || isLeaf(t) {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			out = append(out, jsonKeys(ft, prefix)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		key := prefix + name
		out = append(out, key)
		switch {
		case ft.Kind() == reflect.Struct && !isLeaf(ft):
			out = append(out, jsonKeys(ft, key+".")...)
		case (ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array) && ft.Elem().Kind() != reflect.Uint8:
			el := ft.Elem()
			for el.Kind() == reflect.Pointer {
				el = el.Elem()
			}
			if el.Kind() == reflect.Struct && !isLeaf(el) {
				out = append(out, jsonKeys(el, key+"[].")...)
			}
		}
	}
	return out
}

// isLeaf reports whether t marshals itself to one value (time.Time,
// netip.Prefix, a type with MarshalText). A struct with its own
// MarshalJSON is still walked when its fields carry json tags (it
// rewrites some fields and keeps the tags' names, as scenarios.Phase
// does); the tests that marshal real values check what it writes.
func isLeaf(t reflect.Type) bool {
	implements := func(i reflect.Type) bool { return t.Implements(i) || reflect.PointerTo(t).Implements(i) }
	if t == reflect.TypeFor[time.Time]() || implements(reflect.TypeFor[encoding.TextMarshaler]()) {
		return true
	}
	if !implements(reflect.TypeFor[json.Marshaler]()) {
		return false
	}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if t.Field(i).Tag.Get("json") != "" {
				return false
			}
		}
	}
	return true
}

// docKeys reads the keys a doc documents, by "## " section: in each
// Markdown table row, the backquoted names of the first cell, prefixed by
// the "### " heading above them: under "## run.json", "### environment"
// prefixes "environment.", "### phases[]" prefixes "phases[]."; a heading
// naming several paths ("### plan.limits[], plan.first") gives each name
// every prefix.
func docKeys(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var top string
	prefixes := []string{""}
	tick := regexp.MustCompile("`([^`]+)`")
	for line := range strings.SplitSeq(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			top, prefixes = strings.TrimSpace(line[3:]), []string{""}
		case strings.HasPrefix(line, "### "):
			prefixes = nil
			for p := range strings.SplitSeq(line[4:], ",") {
				prefixes = append(prefixes, strings.Trim(strings.TrimSpace(p), "`")+".")
			}
		case strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| ---"):
			cell, _, _ := strings.Cut(line[2:], " |")
			for _, m := range tick.FindAllStringSubmatch(cell, -1) {
				for _, p := range prefixes {
					out[top] = append(out[top], p+m[1])
				}
			}
		}
	}
	return out
}

// checkKeys fails for every key of the code not in the doc and every key
// of the doc not in the code.
func checkKeys(t *testing.T, what string, code, doc []string) {
	t.Helper()
	inDoc := map[string]bool{}
	for _, k := range doc {
		inDoc[k] = true
	}
	inCode := map[string]bool{}
	for _, k := range code {
		inCode[k] = true
		if !inDoc[k] {
			t.Errorf("%s: %q is in the code but not documented in docs/results.md", what, k)
		}
	}
	for _, k := range doc {
		if !inCode[k] {
			t.Errorf("%s: docs/results.md documents %q, which the code does not have", what, k)
		}
	}
}

// TestResultsDocRecord checks docs/results.md against results.Record: each
// json key of run.json (nested ones included) is documented and each
// documented key exists. scenario_body and plan, which the scenarios
// package defines, are checked by TestResultsDocScenarioPlan.
func TestResultsDocRecord(t *testing.T) {
	doc := docKeys(t, "../docs/results.md")["run.json"]
	var own []string
	for _, k := range doc {
		if !strings.HasPrefix(k, "scenario_body.") && !strings.HasPrefix(k, "plan.") {
			own = append(own, k)
		}
	}
	checkKeys(t, "run.json", jsonKeys(reflect.TypeFor[Record](), ""), own)
}

// TestResultsDocSamples checks the samples.csv table of docs/results.md
// against Header.
func TestResultsDocSamples(t *testing.T) {
	checkKeys(t, "samples.csv", Header(), docKeys(t, "../docs/results.md")["samples.csv"])
}

// TestJSONKeysWalk pins the walker on a small type.
func TestJSONKeysWalk(t *testing.T) {
	type inner struct {
		A int `json:"a"`
		B int `json:"-"`
	}
	type outer struct {
		X  inner            `json:"x"`
		Y  []inner          `json:"y,omitempty"`
		Z  map[string]inner `json:"z"`
		T  time.Time        `json:"t"`
		P  *inner           `json:"p"`
		NT int
		u  int
	}
	_ = outer{}.u
	got := jsonKeys(reflect.TypeFor[outer](), "")
	want := []string{"x", "x.a", "y", "y[].a", "z", "t", "p", "p.a", "NT"}
	if !slices.Equal(got, want) {
		t.Errorf("jsonKeys = %v, want %v", got, want)
	}
}
