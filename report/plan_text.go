package report

import (
	"fmt"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/plan"
)

// PlanText renders a capacity plan for the terminal (`c1m-testbed plan`):
// the report's Plan tables in aligned columns, the arithmetic and then
// each limit, followed by the first limit and any other that fails, each
// with why and the fix. Every cell and line is escaped.
func PlanText(p *plan.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", printable.String(planHeading(p)))
	b.WriteString(planArithmetic(p).text())
	b.WriteString("\n" + planLimits(p).text())
	for _, n := range firstLimits(p) {
		fmt.Fprintf(&b, "\n%s: %s (%s)\n  %s\n", n.label, printable.String(n.l.Name), status(n.l), printable.String(n.l.Why))
		if n.l.Fix != "" || n.label == "Also" {
			fmt.Fprintf(&b, "  fix: %s\n", printable.String(n.l.Fix))
		}
	}
	return b.String()
}

// planHeading names the plan's scenario and its peak connections.
func planHeading(p *plan.Plan) string {
	return fmt.Sprintf("Plan for %s (%s): %s connections", p.Scenario, p.Source, units.Int(p.Connections))
}
