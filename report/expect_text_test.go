package report

import (
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// TestExpectationsText: a row per expectation with its verdict, escaped;
// a note when there are none.
func TestExpectationsText(t *testing.T) {
	got := ExpectationsText([]results.Expectation{
		{Name: "established-min", Want: "≥ 1,000", Got: "1,000", Held: true},
		{Name: "errors-absent\x1b[2J", Want: "none", Got: "EMFILE 3", Held: false},
	})
	for _, w := range []string{"expectation", "established-min", "✔ held", "✘ FAILED", `\x1b[2J`} {
		if !strings.Contains(got, w) {
			t.Errorf("table lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "\x1b") {
		t.Errorf("escape sequence reached the terminal:\n%q", got)
	}
	if got := ExpectationsText(nil); !strings.Contains(got, "no expectations") {
		t.Errorf("no expectations: %q", got)
	}
}
