package testbed

import (
	"fmt"
	"strconv"
	"strings"
)

// condition is a parsed wait condition.
type condition func(r *runner) bool

// parseCondition parses a wait phase's "until": established>=N,
// established<=N, server-established>=N, errors>=N or sockets-gone.
func parseCondition(s string) (condition, error) {
	s = strings.ReplaceAll(s, " ", "")
	if s == "sockets-gone" {
		return func(r *runner) bool {
			return r.fleet.roleStats(roleClient).Established == 0 &&
				r.fleet.roleStats(roleServer).Established == 0 && r.orphans() == 0
		}, nil
	}
	for _, op := range []string{">=", "<="} {
		name, num, ok := strings.Cut(s, op)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(num, "_", ""), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("wait condition %q: %q is not a whole number", s, num)
		}
		var get func(r *runner) int64
		switch name {
		case "established":
			get = func(r *runner) int64 { return r.fleet.roleStats(roleClient).Established }
		case "server-established":
			get = func(r *runner) int64 { return r.fleet.roleStats(roleServer).Established }
		case "errors":
			get = func(r *runner) int64 {
				var t int64
				for _, v := range r.fleet.errors() {
					t += v
				}
				return t
			}
		default:
			return nil, fmt.Errorf("wait condition %q: unknown quantity %q (use established, server-established or errors)", s, name)
		}
		if op == ">=" {
			return func(r *runner) bool { return get(r) >= n }, nil
		}
		return func(r *runner) bool { return get(r) <= n }, nil
	}
	return nil, fmt.Errorf("wait condition %q is not understood: write established>=N, established<=N, server-established>=N, errors>=N or sockets-gone", s)
}
