package testbed

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// condition is a parsed wait condition.
type condition func(r *runner) bool

// parseCondition turns a wait phase's "until" (scenarios.ParseCondition:
// established>=N, established<=N, server-established>=N or <=N,
// errors>=N, sockets-gone; N may be written "40k") into a check.
func parseCondition(s string) (condition, error) {
	c, err := scenarios.ParseCondition(s)
	if err != nil {
		return nil, err
	}
	var get func(r *runner) int64
	switch c.Metric {
	case "sockets-gone":
		return func(r *runner) bool {
			return r.fleet.roleStats(roleClient).Established == 0 &&
				r.fleet.roleStats(roleServer).Established == 0 && r.socketsGone()
		}, nil
	case "established":
		get = func(r *runner) int64 { return r.fleet.roleStats(roleClient).Established }
	case "server-established":
		get = func(r *runner) int64 { return r.fleet.roleStats(roleServer).Established }
	case "errors":
		get = func(r *runner) int64 { return totalErrors(r.fleet.errors()) }
	default:
		return nil, fmt.Errorf("wait condition %q: unknown quantity %q", s, c.Metric)
	}
	if c.Op == ">=" {
		return func(r *runner) bool { return get(r) >= c.Value }, nil
	}
	return func(r *runner) bool { return get(r) <= c.Value }, nil
}
