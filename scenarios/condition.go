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

// IsSet reports whether c holds a condition (a wait phase may have none).
func (c Condition) IsSet() bool { return c.Metric != "" }

// MarshalText writes the condition as it is written in a scenario, so
// run.json shows "established>=1000000" rather than its parts.
func (c Condition) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads what MarshalText wrote ("" is no condition).
func (c *Condition) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*c = Condition{}
		return nil
	}
	v, err := ParseCondition(string(b))
	*c = v
	return err
}

// String formats the condition as it is written in a scenario.
func (c Condition) String() string {
	if c.Metric == "sockets-gone" || c.Metric == "" {
		return c.Metric
	}
	return fmt.Sprintf("%s%s%d", c.Metric, c.Op, c.Value)
}

const conditionFix = `write until = "established>=N", "established<=N", "server-established>=N", "errors>=N" or "sockets-gone"`
