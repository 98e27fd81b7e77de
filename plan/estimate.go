package plan

import (
	"time"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// Rates and overheads Estimate assumes where a scenario sets none, from
// million and smoke on a quiet 2-core host (docs/benchmarks.md): a run
// opens about 40,000 connections a second and closes about 50,000, and
// spends about 5 s building, starting and tearing down besides.
const (
	EstimateConnectRate = 40000
	EstimateCloseRate   = 50000
	EstimateOverhead    = 5 * time.Second
)

// Estimate guesses how long a run of s (already scaled) takes, to plan a
// sweep by: its holds and traffic phases as written, its connect and close
// phases at their rate or the rates above, a send or wait phase at a
// second (its condition is usually met at once), plus EstimateOverhead.
// A real run may take twice as long on a busy host; a sweep prints the
// time its finished runs took as it goes.
func Estimate(s *scenarios.Scenario) time.Duration {
	d := EstimateOverhead
	open := 0
	for _, p := range s.Phases {
		switch p.Kind {
		case scenarios.PhaseConnect:
			n := max(0, p.Target-open)
			open = max(open, p.Target)
			d += perRate(n, p.Rate, EstimateConnectRate)
		case scenarios.PhaseClose:
			frac := p.Fraction
			if frac <= 0 {
				frac = 1
			}
			n := int(float64(open) * frac)
			open -= n
			d += perRate(n, p.Rate, EstimateCloseRate)
		case scenarios.PhaseHold:
			d += p.Duration
		case scenarios.PhaseTraffic:
			d += p.Duration + p.Interval
		default:
			d += time.Second
		}
	}
	return d
}

// perRate is n events at rate a second, or at fallback when rate is 0.
func perRate(n, rate, fallback int) time.Duration {
	if rate <= 0 {
		rate = fallback
	}
	return time.Duration(float64(n) / float64(rate) * float64(time.Second))
}
