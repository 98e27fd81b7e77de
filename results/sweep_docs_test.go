package results

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestSweepMetricsDocumented holds docs/experiments.md's table of
// metrics and SweepMetrics (sweep.csv's columns) together, in order.
func TestSweepMetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/experiments.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	var names []string
	for _, m := range SweepMetrics {
		names = append(names, m.Name)
	}
	if !slices.Equal(documented, names) {
		t.Errorf("docs/experiments.md lists the metrics\n  %v\nsweep.csv has\n  %v", documented, names)
	}
}
