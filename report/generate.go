package report

import (
	"fmt"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// Report files written into a results directory.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
)

// GenerateFiles writes dir/report.html (one self-contained file: inline
// SVG charts and CSS, nothing fetched from the network), dir/report.md and
// the PNG charts it links, dir/charts/*.png, and returns their paths. A
// partial directory (a killed run) still gets a report of what is there,
// with a notice saying what is missing; only a directory with neither
// run.json nor samples.csv fails, with results.ErrNotResults. It opens dir with OpenDir: dir itself may not be a symbolic link, and no
// link inside it is followed (a link where a report file goes is replaced
// by the file; run.json or samples.csv as a link is not read).
func GenerateFiles(dir string) ([]string, error) {
	d, err := results.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return GenerateDir(d)
}

// GenerateDir is GenerateFiles on an open directory (the one a run wrote).
func GenerateDir(dir *results.Dir) ([]string, error) {
	run, err := loadDir(dir)
	if err != nil {
		return nil, err
	}
	d := &document{title: "c1m-testbed report: " + run.Title()}
	if rec := run.Record; rec != nil {
		d.subtitle = strings.TrimSpace(rec.Description)
		if run.Has("passed") {
			d.verdict = map[bool]string{true: "pass", false: "fail"}[rec.Passed]
		}
	}
	d.before, d.after = runTables(run)
	charts := runCharts(run) // may add notices (what the charts leave out)
	d.notices = run.Notices
	d.charts, err = drawFigures(dir, "", charts, &d.notices)
	if err != nil {
		return nil, err
	}
	paths, err := d.write(dir, "report")
	if err != nil {
		return nil, fmt.Errorf("failed to write the report of %s: %w", dir.Path(), err)
	}
	return paths, nil
}
