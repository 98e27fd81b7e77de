package testbed

import (
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/verdict"
)

// condition is a wait condition as a check on the run's counters.
type condition func(r *runner) bool

// conditionCheck turns a wait phase's decoded condition into a check. An
// unset condition never holds: the phase waits out its timeout.
func conditionCheck(c scenarios.Condition) condition {
	var get func(r *runner) int64
	switch c.Metric {
	case "sockets-gone":
		return func(r *runner) bool {
			return r.fleet.RoleStats(roleClient).Established == 0 &&
				r.fleet.RoleStats(roleServer).Established == 0 && r.socketsGone()
		}
	case "established":
		get = func(r *runner) int64 { return r.fleet.RoleStats(roleClient).Established }
	case "server-established":
		get = func(r *runner) int64 { return r.fleet.RoleStats(roleServer).Established }
	case "errors":
		get = func(r *runner) int64 { return verdict.TotalErrors(r.fleet.Errors()) }
	default:
		return func(*runner) bool { return false }
	}
	if c.Op == ">=" {
		return func(r *runner) bool { return get(r) >= c.Value }
	}
	return func(r *runner) bool { return get(r) <= c.Value }
}
