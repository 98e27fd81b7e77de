package report

import (
	"strings"
	"unicode/utf8"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
)

// text renders t for the terminal: its head (unless blank, as a kv list's)
// and rows in aligned columns, each line indented by two spaces, the
// first t.textLeft columns aligned left and the others right (numbers);
// every cell escaped with printable.String. Title and note are the
// caller's to print.
func (t table) text() string {
	rows := t.rows
	if strings.Join(t.head, "") != "" { // a label/value list (kv) has no header line
		rows = append([][]string{t.head}, rows...)
	}
	cells := make([][]string, 0, len(rows))
	for _, r := range rows {
		line := make([]string, len(r))
		for i, c := range r {
			line[i] = strings.ReplaceAll(printable.String(c), "\t", " ")
		}
		cells = append(cells, line)
	}
	var width []int
	for _, r := range cells {
		for i, c := range r {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range cells {
		var line strings.Builder
		line.WriteString("  ")
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i < t.textLeft {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return b.String()
}
