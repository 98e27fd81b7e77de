package report

import (
	"fmt"
	"path"

	"github.com/c1m-testbed/c1m-testbed/results"
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

// drawFigures renders each chart as SVG and writes it as charts/<prefix><name>.png
// in dir; a chart that fails to draw becomes a notice instead.
func drawFigures(dir *results.Dir, prefix string, cs []chart, notices *[]string) ([]figure, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	if err := dir.MkdirAll(ChartsDir); err != nil {
		return nil, fmt.Errorf("failed to create the charts directory in %s (is it writable?): %w", dir.Path(), err)
	}
	var figs []figure
	for i := range cs {
		c := &cs[i]
		svg, err := c.svg()
		if err == nil {
			var png []byte
			png, err = c.png()
			if err == nil {
				rel := path.Join(ChartsDir, prefix+c.name+".png")
				if werr := dir.WriteFile(rel, png); werr != nil {
					return nil, fmt.Errorf("failed to write chart %s: %w", rel, werr)
				}
				figs = append(figs, figure{title: c.title, svg: inlineSVG(svg), png: rel})
				continue
			}
		}
		*notices = append(*notices, fmt.Sprintf("The chart %q could not be drawn: %v.", c.title, err))
	}
	return figs, nil
}

// write writes the document as <base>.html and <base>.md in dir
// (results.Dir.WriteFile: atomically, never through a symbolic link) and returns
// both paths.
func (d *document) write(dir *results.Dir, base string) ([]string, error) {
	html, err := d.html()
	if err != nil {
		return nil, err
	}
	names := []string{base + ".html", base + ".md"}
	var paths []string
	for i, data := range [][]byte{html, d.markdown()} {
		if err := dir.WriteFile(names[i], data); err != nil {
			return nil, err
		}
		paths = append(paths, dir.Join(names[i]))
	}
	return paths, nil
}
