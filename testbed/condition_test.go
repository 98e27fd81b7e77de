package testbed

import (
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestConditionCheckCoversEveryMetric checks that every metric a wait
// condition may name has a check of its own (an unknown one never holds).
func TestConditionCheckCoversEveryMetric(t *testing.T) {
	r := &runner{fleet: newFleet()}
	for _, s := range []string{"established<=0", "server-established<=0", "errors>=0"} {
		c, err := scenarios.ParseCondition(s)
		if err != nil {
			t.Fatal(err)
		}
		if !conditionCheck(c)(r) {
			t.Errorf("%s does not hold on an empty fleet: its metric has no check", s)
		}
	}
	if conditionCheck(scenarios.Condition{})(r) {
		t.Error("an unset condition holds; it must wait out the timeout")
	}
}
