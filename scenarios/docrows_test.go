package scenarios

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// hostRow is the row docs/scenario-format.md has for a [host] key.
func hostRow(k sysctlscope.Key) string {
	scope := "host-global"
	if k.Scope == sysctlscope.Parent {
		scope = "parent"
	}
	value := fmt.Sprintf("%d counts of %s", k.Fields, k.Unit)
	if k.Fields == 1 {
		value = "count of " + k.Unit
	}
	if k.Increasing {
		value += ", increasing"
	}
	floor, margin, rel := "-", "-", "no"
	if k.Floor > 0 {
		floor = units.Int(k.Floor)
	}
	if k.InUse != "" {
		margin = fmt.Sprintf("%s; at least %s above it", k.InUse, units.Int(k.Margin))
	}
	if k.Relative {
		rel = "yes"
	}
	return fmt.Sprintf("| `%s` | %s | %s | %s..%s | %s | %s | %s |", k.Name, scope, value, units.Int(k.Min), units.Int(k.Max), floor, margin, rel)
}
