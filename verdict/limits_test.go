package verdict

import (
	"testing"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestOOMAndThrottling checks min-oom-kills, max-oom-kills and
// max-throttled against the summary's sums.
func TestOOMAndThrottling(t *testing.T) {
	zero, two, ten := int64(0), int64(2), 10.0
	for _, tc := range []struct {
		name string
		e    scenarios.Expect
		sum  results.Summary
		held []bool
	}{
		{"the kill seen", scenarios.Expect{MinOOMKills: 1}, results.Summary{OOMKills: 1}, []bool{true}},
		{"the kill missing", scenarios.Expect{MinOOMKills: 1}, results.Summary{}, []bool{false}},
		{"no kill wanted, none", scenarios.Expect{MaxOOMKills: &zero}, results.Summary{}, []bool{true}},
		{"no kill wanted, one", scenarios.Expect{MaxOOMKills: &zero}, results.Summary{OOMKills: 1}, []bool{false}},
		{"between", scenarios.Expect{MinOOMKills: 1, MaxOOMKills: &two}, results.Summary{OOMKills: 3}, []bool{true, false}},
		{"throttled little", scenarios.Expect{MaxThrottled: &ten}, results.Summary{MaxThrottledPercent: 9.9}, []bool{true}},
		{"throttled much", scenarios.Expect{MaxThrottled: &ten}, results.Summary{MaxThrottledPercent: 40}, []bool{false}},
	} {
		got := Check(tc.e, scenarios.Topology{}, tc.sum, nil, nil)
		if len(got) != len(tc.held) {
			t.Fatalf("%s: %d expectations, want %d: %+v", tc.name, len(got), len(tc.held), got)
		}
		for i, e := range got {
			if e.Held != tc.held[i] {
				t.Errorf("%s: %s held = %v (got %s, want %s)", tc.name, e.Name, e.Held, e.Got, e.Want)
			}
		}
	}
}
