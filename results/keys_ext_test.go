package results_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// codeKeys returns the json keys of run.json's scenario_body and plan as
// the scenarios package defines them, by reflection; an untagged field
// (its key would be the Go field name) fails the test.
func codeKeys(t *testing.T) []string {
	t.Helper()
	sc := results.JSONKeys(reflect.TypeFor[scenarios.Scenario](), "scenario_body.")
	if slices.Contains(sc, "scenario_body.Name") {
		t.Fatal("scenarios.Scenario lost its json tags: run.json's scenario_body must be snake_case (docs/results.md)")
	}
	return append(sc, results.JSONKeys(reflect.TypeFor[plan.Plan](), "plan.")...)
}

// marshalledKeys returns the key paths of v marshalled to JSON, under
// prefix; it descends into an object only where known has keys below it
// (so the keys of data maps, such as sysctl names, are not taken as field
// names) and into the objects of an array as "key[].".
func marshalledKeys(t *testing.T, v any, prefix string, known map[string]bool) []string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			if path != "" && !hasBelow(known, path+".") {
				return
			}
			for k, e := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				out = append(out, p)
				walk(e, p)
			}
		case []any:
			for _, e := range x {
				if _, ok := e.(map[string]any); ok {
					walk(e, path+"[]")
				}
			}
		}
	}
	walk(m, strings.TrimSuffix(prefix, "."))
	return out
}

func hasBelow(known map[string]bool, prefix string) bool {
	for k := range known {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func set(keys []string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// TestResultsDocScenarioPlan checks the scenario_body and plan sections of
// docs/results.md against the scenarios package: every key of its types
// is documented and every documented key exists; and every key of a
// marshalled built-in scenario and its plan is documented.
func TestResultsDocScenarioPlan(t *testing.T) {
	code := codeKeys(t)
	var doc []string
	for _, k := range results.DocKeys(t, "../docs/results.md")["run.json"] {
		if strings.HasPrefix(k, "scenario_body.") || strings.HasPrefix(k, "plan.") {
			doc = append(doc, k)
		}
	}
	results.CheckKeys(t, "run.json scenario_body/plan", code, doc)

	known, documented := set(code), set(doc)
	for _, name := range []string{"smoke", "million", "close-storm-fin"} {
		s, err := scenarios.Load(name)
		if err != nil {
			t.Fatalf("scenarios.Load(%q): %v", name, err)
		}
		p, _ := plan.New(s, plan.DefaultEnv())
		got := marshalledKeys(t, s, "scenario_body.", known)
		if p != nil {
			got = append(got, marshalledKeys(t, p, "plan.", known)...)
		}
		for _, k := range got {
			if !documented[k] {
				t.Errorf("%s: run.json holds %q, which docs/results.md does not document", name, k)
			}
		}
	}

	// Durations are seconds, as their names say.
	s, _ := scenarios.Load("smoke")
	data, _ := json.Marshal(s)
	var body struct {
		Phases []map[string]any `json:"phases"`
		Expect map[string]any   `json:"expect"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatal(err)
	}
	for _, ph := range body.Phases {
		if ph["kind"] == "hold" && ph["duration_seconds"] != 5.0 {
			t.Errorf("smoke's hold phase marshals duration_seconds = %v, want 5 (seconds)", ph["duration_seconds"])
		}
	}
	if got := body.Expect["close_within_seconds"]; got != 30.0 {
		t.Errorf("smoke's expect marshals close_within_seconds = %v, want 30 (seconds)", got)
	}
}

// TestRecordVersion1Upgrade reads the recorded version 1 smoke run and
// checks that its scenario_body and plan come out in the version 2 form:
// every key one the code has, durations in seconds.
func TestRecordVersion1Upgrade(t *testing.T) {
	v1, err := results.ReadRecord(filepath.Join("testdata", "smoke-recorded"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "smoke-recorded", results.RunFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"version": 1,`) || !strings.Contains(string(raw), `"FiveTuples"`) {
		t.Fatal("testdata/smoke-recorded is no longer a version 1 record; keep one")
	}
	body, _ := v1.ScenarioBody.(map[string]any)
	phases, _ := body["phases"].([]any)
	if len(phases) != 3 {
		t.Fatalf("scenario_body.phases = %v, want 3 phases", body["phases"])
	}
	hold, _ := phases[1].(map[string]any)
	if hold["duration_seconds"] != 5.0 || hold["kind"] != "hold" {
		t.Errorf("hold phase = %v, want kind hold, duration_seconds 5", hold)
	}
	if host, _ := body["expect"].(map[string]any); host["close_within_seconds"] != 30.0 {
		t.Errorf("expect = %v, want close_within_seconds 30", host)
	}
	plan, _ := v1.Plan.(map[string]any)
	limits, _ := plan["limits"].([]any)
	if first, _ := limits[0].(map[string]any); first["name"] != "five-tuples" || first["ok"] != true {
		t.Errorf("plan.limits[0] = %v, want five-tuples, ok", limits[0])
	}

	known := set(codeKeys(t))
	var got []string
	got = append(got, marshalledKeys(t, v1.ScenarioBody, "scenario_body.", known)...)
	got = append(got, marshalledKeys(t, v1.Plan, "plan.", known)...)
	for _, k := range got {
		if !known[k] {
			t.Errorf("a version 1 record upgrades to %q, which version 2 (the scenarios package's json tags) does not have", k)
		}
	}
}

// sinceV2 are scenarios fields added after version 1 whose Go name the
// version 1 rule would not turn into their tag (RTTP99Max would read as
// rttp99_max_seconds): no version 1 record holds them, so the rule need
// not name them.
var sinceV2 = map[string]bool{"RTTP99Max": true, "RTTP50Min": true}

// TestV1KeyMatchesTags checks that the version 1 conversion names each
// field as the scenarios package's json tags do now (snake_case of the Go
// name; _seconds for a duration).
func TestV1KeyMatchesTags(t *testing.T) {
	codeKeys(t)
	var walk func(reflect.Type, string)
	seen := map[reflect.Type]bool{}
	walk = func(ty reflect.Type, path string) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Array {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] || ty.PkgPath() != reflect.TypeFor[plan.Plan]().PkgPath() {
			return
		}
		seen[ty] = true
		if _, text := reflect.PointerTo(ty).MethodByName("MarshalText"); text {
			return // marshals as a string (scenarios.Condition)
		}
		for i := range ty.NumField() {
			f := ty.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || tag == "-" {
				continue
			}
			if tag == "" {
				t.Errorf("%s.%s has no json tag: give it the snake_case of its name (results.V1Key)", ty.Name(), f.Name)
				continue
			}
			dur := f.Type.String() == "time.Duration"
			if want := results.V1Key(f.Name, dur); tag != want && !sinceV2[f.Name] {
				t.Errorf("%s.%s has json tag %q; a version 1 record's %q is read as %q: make them agree (report/version.go)", ty.Name(), f.Name, tag, f.Name, want)
			}
			walk(f.Type, path+"."+f.Name)
		}
	}
	walk(reflect.TypeFor[scenarios.Scenario](), "")
	walk(reflect.TypeFor[plan.Plan](), "")
}
