package scenarios

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
)

// snake is report's rule for run.json keys: the Go field name in
// snake_case (FiveTuples -> five_tuples, FDBudget -> fd_budget, CPUs ->
// cpus), with _seconds for a duration.
func snake(goName string, duration bool) string {
	rs := []rune(goName)
	var b strings.Builder
	for i, r := range rs {
		if !unicode.IsUpper(r) {
			b.WriteRune(r)
			continue
		}
		if i > 0 {
			prev := rs[i-1]
			plural := i+1 < len(rs) && rs[i+1] == 's' && (i+2 == len(rs) || unicode.IsUpper(rs[i+2]))
			switch {
			case unicode.IsLower(prev) || unicode.IsDigit(prev):
				b.WriteByte('_')
			case i+1 < len(rs) && unicode.IsLower(rs[i+1]) && !plural:
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

// TestJSONTags checks that every exported field of the types written into
// run.json (scenario_body and plan) has the json tag docs/results.md
// documents: snake_case of the Go name, durations in _seconds.
func TestJSONTags(t *testing.T) {
	durType := reflect.TypeOf(time.Duration(0))
	for _, v := range []any{Scenario{}, Topology{}, Server{}, Client{}, Sysctls{}, Phase{}, Expect{}, Plan{}, Limit{}, Env{}, Condition{}} {
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			f := rt.Field(i)
			if !f.IsExported() || rt == reflect.TypeOf(Condition{}) {
				continue
			}
			want := snake(f.Name, f.Type == durType)
			if got, _, _ := strings.Cut(f.Tag.Get("json"), ","); got != want {
				t.Errorf("%s.%s: json tag %q; want %q", rt.Name(), f.Name, got, want)
			}
		}
	}
}

func TestJSONDurations(t *testing.T) {
	s := mustLoad(t, "million")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"timeout_seconds":300`, `"duration_seconds":10`, `"close_within_seconds":60`, `"client_namespaces":4`, `"min_established":1000000`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("scenario JSON lacks %s: %s", want, b)
		}
	}
	var back Scenario
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Phases[0].Timeout != 5*time.Minute || back.Expect.CloseWithin != time.Minute || back.Phases[1].Duration != 10*time.Second {
		t.Errorf("round trip lost durations: %+v %+v", back.Phases, back.Expect)
	}
}
