package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
)

// markdown renders the document as GitHub-flavoured Markdown linking the PNG charts.
func (d *document) markdown() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", printable.String(d.title))
	if d.subtitle != "" {
		fmt.Fprintf(&b, "%s\n\n", safe(d.subtitle))
	}
	switch d.verdict {
	case "pass":
		b.WriteString("**PASSED**: every expectation held.\n\n")
	case "fail":
		b.WriteString("**FAILED**: an expectation failed or the run failed.\n\n")
	}
	if len(d.notices) > 0 {
		b.WriteString("> **This report is incomplete or the run did not end normally:**\n")
		for _, n := range d.notices {
			fmt.Fprintf(&b, "> - %s\n", printable.String(n))
		}
		b.WriteString("\n")
	}
	for _, t := range d.before {
		writeMarkdownTable(&b, t)
	}
	if len(d.charts) > 0 {
		b.WriteString("## Charts\n\n")
		for _, f := range d.charts {
			fmt.Fprintf(&b, "![%s](%s)\n\n", mdEscape(f.title), f.png)
		}
	}
	for _, t := range d.after {
		writeMarkdownTable(&b, t)
	}
	return []byte(b.String())
}

func writeMarkdownTable(b *strings.Builder, t table) {
	fmt.Fprintf(b, "## %s\n\n", printable.String(t.title))
	if t.note != "" {
		fmt.Fprintf(b, "%s\n\n", mdEscape(t.note)) // a plan's note carries run.json's text
	}
	if len(t.rows) == 0 {
		return
	}
	head := t.head
	if isKV(t) {
		head = []string{"", ""}
	}
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			fmt.Fprintf(b, " %s |", mdEscape(c))
		}
		b.WriteString("\n")
	}
	row(head)
	b.WriteString("|" + strings.Repeat(" --- |", len(head)) + "\n")
	for i, r := range t.rows {
		if l := t.link(i); l != "" && len(r) > 0 {
			r = slices.Clone(r)
			cells := make([]string, len(r))
			for j, c := range r {
				cells[j] = mdEscape(c)
			}
			cells[0] = "[" + cells[0] + "](" + l + "/report.md)"
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
			continue
		}
		row(r)
	}
	b.WriteString("\n")
}

// mdEscape keeps a value on one table line and out of Markdown syntax,
// with control characters, escape sequences and bidirectional overrides
// shown escaped (safe), never obeyed by a terminal showing the file.
func mdEscape(s string) string {
	s = safe(strings.ReplaceAll(s, "\r", ""))
	s = strings.NewReplacer("|", `\|`, "[", `\[`, "]", `\]`, "*", `\*`, "_", `\_`, "<", "&lt;").Replace(s)
	return strings.ReplaceAll(s, "\n", "<br>")
}
