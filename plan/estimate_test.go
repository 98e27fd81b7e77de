package plan

import (
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func TestEstimate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		phases []scenarios.Phase
		want   time.Duration
	}{
		{"overhead only", nil, EstimateOverhead},
		{"connect at the assumed rate, hold, close at its own rate", []scenarios.Phase{
			{Kind: scenarios.PhaseConnect, Target: 80000},
			{Kind: scenarios.PhaseHold, Duration: 5 * time.Second},
			{Kind: scenarios.PhaseClose, Rate: 10000},
		}, EstimateOverhead + 2*time.Second + 5*time.Second + 8*time.Second},
		{"a second connect opens only the rest; half closed", []scenarios.Phase{
			{Kind: scenarios.PhaseConnect, Target: 40000, Rate: 20000},
			{Kind: scenarios.PhaseConnect, Target: 60000, Rate: 20000},
			{Kind: scenarios.PhaseClose, Fraction: 0.5, Rate: 30000},
			{Kind: scenarios.PhaseWait},
		}, EstimateOverhead + 2*time.Second + time.Second + time.Second + time.Second},
		{"traffic lasts its duration and an interval", []scenarios.Phase{
			{Kind: scenarios.PhaseTraffic, Duration: 10 * time.Second, Interval: time.Second},
		}, EstimateOverhead + 11*time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Estimate(&scenarios.Scenario{Phases: tc.phases}); got != tc.want {
				t.Fatalf("Estimate = %v, want %v", got, tc.want)
			}
		})
	}
}
