package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// ChartsDir is the directory, beside report.md, that holds the PNG charts.
const ChartsDir = "charts"

// document is a report before it is written as HTML or Markdown.
type document struct {
	title    string
	subtitle string
	verdict  string // "pass", "fail" or "" when unknown
	notices  []string
	before   []table // shown above the charts
	charts   []figure
	after    []table // shown below the charts
}

// figure is a chart drawn both ways: inline SVG for HTML, a PNG file for Markdown.
type figure struct {
	title string
	svg   string // inline <svg> element
	png   string // path relative to the report, "" when not written
}

// drawFigures renders each chart as SVG and writes it as dir/charts/<prefix><name>.png;
// a chart that fails to draw becomes a notice instead.
func drawFigures(dir, prefix string, cs []chart, notices *[]string) ([]figure, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Join(dir, ChartsDir), 0o755); err != nil {
		return nil, fmt.Errorf("failed to create the charts directory in %s (is it writable?): %w", dir, err)
	}
	var figs []figure
	for i := range cs {
		c := &cs[i]
		svg, err := c.svg()
		if err == nil {
			var png []byte
			png, err = c.png()
			if err == nil {
				rel := filepath.Join(ChartsDir, prefix+c.name+".png")
				if werr := os.WriteFile(filepath.Join(dir, rel), png, 0o644); werr != nil {
					return nil, fmt.Errorf("failed to write chart %s: %w", rel, werr)
				}
				figs = append(figs, figure{title: c.title, svg: inlineSVG(svg), png: filepath.ToSlash(rel)})
				continue
			}
		}
		*notices = append(*notices, fmt.Sprintf("The chart %q could not be drawn: %v.", c.title, err))
	}
	return figs, nil
}

// write writes the document as dir/<base>.html and dir/<base>.md and
// returns both paths.
func (d *document) write(dir, base string) ([]string, error) {
	html, err := d.html()
	if err != nil {
		return nil, err
	}
	paths := []string{filepath.Join(dir, base+".html"), filepath.Join(dir, base+".md")}
	for i, data := range [][]byte{html, d.markdown()} {
		if err := os.WriteFile(paths[i], data, 0o644); err != nil {
			return nil, fmt.Errorf("failed to write %s (is the directory writable?): %w", paths[i], err)
		}
	}
	return paths, nil
}
