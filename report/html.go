package report

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// htmlPage is the report page: CSS inline, charts as inline SVG, no URLs.
var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; max-width: 1100px; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.2em; margin: 1.6em 0 .4em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.sub { color: #555; margin-top: 0; }
.verdict { display: inline-block; padding: .15em .6em; border-radius: 4px; font-weight: bold; color: #fff; }
.pass { background: #2c8a2c; } .fail { background: #c62828; }
.notice { background: #fff4e5; border-left: 4px solid #f0a020; padding: .6em 1em; margin: 1em 0; }
.notice ul { margin: .2em 0; padding-left: 1.2em; }
table { border-collapse: collapse; margin: .4em 0 1em; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td:nth-child(n+2) { font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
.kv td:first-child { color: #555; white-space: nowrap; }
td.bad { color: #c62828; font-weight: bold; } td.good { color: #2c8a2c; }
figure { margin: 1em 0 2em; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font-family: "Liberation Sans", Arial, Helvetica, sans-serif !important; }
.grid { display: flex; flex-wrap: wrap; gap: 0 2em; align-items: flex-start; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Subtitle}}<p class="sub">{{.}}</p>{{end}}
{{if eq .Verdict "pass"}}<p><span class="verdict pass">PASSED: every expectation held</span></p>{{end}}
{{if eq .Verdict "fail"}}<p><span class="verdict fail">FAILED: an expectation failed or the run failed</span></p>{{end}}
{{with .Notices}}<div class="notice"><strong>This report is incomplete or the run did not end normally:</strong><ul>{{range .}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{range .Before}}{{template "table" .}}{{end}}
{{with .Charts}}<h2>Charts</h2>{{range .}}<figure>{{.SVG}}</figure>{{end}}{{end}}
{{range .After}}{{template "table" .}}{{end}}
</body>
</html>
{{define "table"}}<h2>{{.Title}}</h2>{{with .Note}}<p>{{.}}</p>{{end}}{{if .Rows}}
<table{{if .KV}} class="kv"{{end}}>{{if not .KV}}<tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>{{end}}
{{range .Rows}}<tr>{{range .}}<td{{with .Class}} class="{{.}}"{{end}}>{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}</table>{{end}}{{end}}
`))

type htmlCell struct{ Text, Class, Href string }

type htmlTable struct {
	Title, Note string
	KV          bool
	Head        []string
	Rows        [][]htmlCell
}

type htmlFigure struct {
	Title string
	SVG   template.HTML
}

// html renders the document as one self-contained HTML page.
func (d *document) html() ([]byte, error) {
	conv := func(ts []table) []htmlTable {
		var out []htmlTable
		for _, t := range ts {
			ht := htmlTable{Title: safe(t.title), Note: safe(t.note), Head: safeAll(t.head), KV: isKV(t)}
			for i, r := range t.rows {
				row := make([]htmlCell, 0, len(r))
				for _, c := range r {
					row = append(row, htmlCell{Text: safe(c), Class: cellClass(c)})
				}
				if l := t.link(i); l != "" && len(row) > 0 {
					row[0].Href = l + "/report.html"
				}
				ht.Rows = append(ht.Rows, row)
			}
			out = append(out, ht)
		}
		return out
	}
	var figs []htmlFigure
	for _, f := range d.charts {
		// The SVG comes from gonum/plot, which escapes all text it draws.
		figs = append(figs, htmlFigure{Title: f.title, SVG: template.HTML(f.svg)})
	}
	var b bytes.Buffer
	err := htmlPage.Execute(&b, map[string]any{
		"Title": safe(d.title), "Subtitle": safe(d.subtitle), "Verdict": d.verdict, "Notices": safeAll(d.notices),
		"Before": conv(d.before), "After": conv(d.after), "Charts": figs,
	})
	if err != nil {
		return nil, fmt.Errorf("failed to render the HTML report: %w", err)
	}
	return b.Bytes(), nil
}

// safeAll is safe over a list: every text of a report from a results
// directory is escaped before html/template escapes it for HTML, so that
// a bidirectional override or control character cannot reorder or hide
// what the page shows.
func safeAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = safe(s)
	}
	return out
}

// isKV reports whether t is a label/value list with no header.
func isKV(t table) bool {
	return len(t.head) == 2 && t.head[0] == "" && t.head[1] == ""
}

// cellClass colours verdicts.
func cellClass(s string) string {
	switch {
	case strings.HasPrefix(s, "✘"):
		return "bad"
	case strings.HasPrefix(s, "✔"):
		return "good"
	}
	return ""
}
