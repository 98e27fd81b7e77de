package report

import (
	"strings"
	"unicode/utf8"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
)

// Bounds of what a report draws, whatever a results directory holds
// (results/bounds.go bounds what is read).
const (
	// MaxCompareRuns bounds the runs compare overlays: one colour each of
	// the charts' palette of 10.
	MaxCompareRuns = 10

	// maxMarks bounds the phase boundaries drawn on one chart: a chart is
	// 760 points wide and a label 9 points high, so 40 labels already
	// touch; a run has at most results.MaxPhases phases.
	maxMarks = 40

	// maxChartSeries bounds the lines of one chart: two per run of the
	// most compare overlays (MaxCompareRuns); today's widest chart of one
	// run, errors by errno, has 11.
	maxChartSeries = 2 * MaxCompareRuns

	// maxTableColumns bounds the columns of a plan table made from an
	// array of objects: the widest real one (the plan's limits) has 6.
	maxTableColumns = 32

	// maxLabel bounds a chart label (a phase name, a run's directory name),
	// in runes.
	maxLabel = 60
)

// label shortens untrusted text for a chart label (a phase name, a run's
// name) and escapes it: at most maxLabel runes, control characters and
// bidirectional overrides shown, never obeyed.
func label(s string) string {
	if utf8.RuneCountInString(s) > maxLabel {
		n := 0
		for i := range s {
			if n == maxLabel-1 {
				s = s[:i] + "…"
				break
			}
			n++
		}
	}
	return printable.String(s)
}

// safe escapes untrusted text for a report (control characters, escape
// sequences and bidirectional overrides shown, never obeyed), keeping its
// line breaks: the Markdown writer turns them into <br>, HTML folds them.
func safe(s string) string {
	if !strings.Contains(s, "\n") {
		return printable.String(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = printable.String(l)
	}
	return strings.Join(lines, "\n")
}
