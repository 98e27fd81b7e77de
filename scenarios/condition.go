package scenarios

import (
	"fmt"
	"strings"
)

// Condition is a parsed wait condition ("until" of a wait phase).
type Condition struct {
	// Metric is "established" (the clients'), "server-established",
	// "errors" or "sockets-gone".
	Metric string
	// Op is ">=" or "<=" ("" for sockets-gone).
	Op string
	// Value is the count compared against (0 for sockets-gone).
	Value int64
}

// ParseCondition reads "established>=N", "established<=N",
// "server-established>=N", "server-established<=N", "errors>=N" or
// "sockets-gone"; N is a count ("1M", "200k", "40000").
func ParseCondition(s string) (Condition, error) {
	t := strings.TrimSpace(s)
	if t == "sockets-gone" {
		return Condition{Metric: "sockets-gone"}, nil
	}
	for _, op := range []string{">=", "<="} {
		i := strings.Index(t, op)
		if i < 0 {
			continue
		}
		metric := strings.TrimSpace(t[:i])
		n, err := ParseCount(t[i+2:])
		if err != nil {
			return Condition{}, fmt.Errorf("%q: %w", s, err)
		}
		switch {
		case metric == "established", metric == "server-established":
		case metric == "errors" && op == ">=":
		default:
			return Condition{}, fmt.Errorf("%q: unknown condition %q", s, metric+op)
		}
		return Condition{Metric: metric, Op: op, Value: n}, nil
	}
	return Condition{}, fmt.Errorf("%q is not a condition", s)
}

// String formats the condition as it is written in a scenario.
func (c Condition) String() string {
	if c.Metric == "sockets-gone" {
		return c.Metric
	}
	return fmt.Sprintf("%s%s%d", c.Metric, c.Op, c.Value)
}

const conditionFix = `write until = "established>=N", "established<=N", "server-established>=N", "errors>=N" or "sockets-gone"`
