package plan

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/scenarios/scenariotest"
)

// FuzzPlan feeds the decoder and the planner arbitrary text: a valid
// scenario must plan, whole and scaled, with the plan's invariants: no
// need, have or count negative (the arithmetic saturates instead of
// overflowing), OK exactly when need <= have, and a plan that run.json
// can hold. (scenarios.FuzzParse fuzzes the decoder alone.)
func FuzzPlan(f *testing.F) {
	scenariotest.AddSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer scenariotest.KeepIfSlow(data)()
		s, err := scenarios.Parse("fuzz.toml", data)
		if err != nil {
			return // scenarios.FuzzParse checks the decoder's errors
		}
		for _, sc := range []*scenarios.Scenario{s, s.Scaled(0.5), s.Scaled(0.02)} {
			p, err := New(sc, DefaultEnv())
			if err != nil && !errors.Is(err, scenarios.ErrInvalid) {
				t.Fatalf("plan error %v does not wrap ErrInvalid", err)
			}
			checkPlan(t, p)
			if _, err := json.Marshal(struct {
				S *scenarios.Scenario
				P *Plan
			}{sc, p}); err != nil {
				t.Fatalf("run.json cannot hold the scenario and plan: %v", err)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}

// minimal is the smallest scenario that plans.
const minimal = scenariotest.Minimal

// checkPlan checks the plan's invariants: every integer field and every
// limit's need and have at least 0, OK exactly when need <= have.
func checkPlan(t *testing.T, p *Plan) {
	t.Helper()
	v := reflect.ValueOf(*p)
	for i := range v.NumField() {
		switch fv := v.Field(i); fv.Kind() {
		case reflect.Int, reflect.Int64:
			if fv.Int() < 0 {
				t.Fatalf("plan %s = %d is negative", v.Type().Field(i).Name, fv.Int())
			}
		}
	}
	for _, l := range p.Limits {
		if l.Need < 0 || l.Have < 0 {
			t.Fatalf("limit %s: need %d, have %d", l.Name, l.Need, l.Have)
		}
		if l.OK != (l.Need <= l.Have) {
			t.Fatalf("limit %s: ok %v with need %d, have %d", l.Name, l.OK, l.Need, l.Have)
		}
	}
}

type discard struct{}
