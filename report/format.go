package report

import (
	"fmt"
	"strconv"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// table is a titled grid of text: the one table model the HTML, Markdown
// and terminal (text.go) writers share.
type table struct {
	title    string
	head     []string
	rows     [][]string
	note     string // shown under the title
	textLeft int    // on the terminal, the leading columns aligned left (labels); the rest right (numbers)
	// links, when set, holds per row a results directory (relative to
	// the document) whose report the row's first cell links to: its
	// report.html from HTML, its report.md from Markdown; "" for none.
	links []string
}

// link returns the directory row i's first cell links to, or "".
func (t table) link(i int) string {
	if i < len(t.links) {
		return t.links[i]
	}
	return ""
}

// kv makes a two-column table from alternating label, value pairs.
func kv(title string, pairs ...string) table {
	t := table{title: title, head: []string{"", ""}}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			t.rows = append(t.rows, []string{pairs[i], pairs[i+1]})
		}
	}
	return t
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// heldText is the verdict of an expectation.
func heldText(b bool) string {
	if b {
		return "✔ held"
	}
	return "✘ FAILED"
}

// ratio formats v against base: "×1.25"; "same" when both are zero, "–" when only base is.
func ratio(v, base float64) string {
	if base == 0 {
		if v == 0 {
			return "same"
		}
		return "–"
	}
	return "×" + strconv.FormatFloat(v/base, 'f', 2, 64)
}

// scalar formats a decoded JSON scalar; ok is false for objects and arrays.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return yesNo(x), true
	case float64:
		return units.Count(x), true
	case int, int64, uint64:
		return fmt.Sprint(x), true
	}
	return "", false
}
