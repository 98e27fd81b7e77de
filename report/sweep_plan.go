package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// SweepPlanText is what a sweep prints before its first run: its points
// with their connections, workers and estimated time (plans and estimates
// per point), the whole sweep's estimate, and the full plan of the point
// with the most connections (largest), whose limits are the sweep's.
func SweepPlanText(s *results.Sweep, plans []*plan.Plan, estimates []time.Duration, largest int) string {
	var b strings.Builder
	var total time.Duration
	for _, r := range s.Runs {
		if !r.Done() {
			total += estimates[r.Point]
		}
	}
	what := fmt.Sprintf("%d points × %d repeats = %d runs, interleaved", len(s.Points), s.Repeat, len(s.Runs))
	if s.Kind == results.KindRepeat {
		what = fmt.Sprintf("%d runs, one after another", s.Repeat)
	}
	fmt.Fprintf(&b, "%s of %s: %s; about %s to go by the planner's estimate (plan.Estimate: a busy host takes longer).\n",
		strings.ToUpper(s.Kind[:1])+s.Kind[1:], printable.String(s.Scenario), what, units.Duration(total.Round(time.Second)))
	if len(s.Set) > 0 {
		fmt.Fprintf(&b, "Every run with --set %s.\n", printable.String(strings.Join(s.Set, ", --set ")))
	}
	t := table{head: []string{"point"}, textLeft: 1 + len(s.Parameters)}
	for _, p := range s.Parameters {
		t.head = append(t.head, p.Key)
	}
	t.head = append(t.head, "connections", "workers (server + client)", "estimate per run")
	for i, pt := range s.Points {
		row := append([]string{strconv.Itoa(i + 1)}, pt.Values...)
		p := plans[i]
		row = append(row, units.Int(p.Connections), fmt.Sprintf("%d + %d", p.ServerWorkers, p.ClientWorkers), units.Duration(estimates[i].Round(time.Second)))
		t.rows = append(t.rows, row)
	}
	b.WriteString("\n" + t.text())
	if len(s.Parameters) > 0 {
		fmt.Fprintf(&b, "\nThe largest point, %d (%s), has the sweep's limits:\n\n", largest+1, printable.String(s.Label(largest)))
	} else {
		b.WriteString("\n")
	}
	b.WriteString(PlanText(plans[largest]))
	return b.String()
}
