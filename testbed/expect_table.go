package testbed

import (
	"fmt"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// expectationTable renders the expectations as a short table for the
// terminal. report.ExpectationsText renders them from report's table
// model in another format: moving to it changes what a run prints, so it
// is a step of its own.
func expectationTable(es []results.Expectation) string {
	if len(es) == 0 {
		return "no expectations in this scenario\n"
	}
	var b strings.Builder
	w := 0
	for _, e := range es {
		w = max(w, len(e.Name))
	}
	for _, e := range es {
		mark := "held  "
		if !e.Held {
			mark = "FAILED"
		}
		fmt.Fprintf(&b, "  %s  %-*s  want %s, got %s\n", mark, w, printable.String(e.Name), printable.String(e.Want), printable.String(e.Got))
	}
	return b.String()
}
