package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/report"
)

func init() {
	register(&command{name: "report", summary: "write report.html and report.md for a results directory", run: runReport})
}

// runReport regenerates the report of one or more results directories.
func runReport(args []string) int {
	fs := newFlags("report", "DIR [DIR...]",
		"Write DIR/report.html (self-contained: inline charts, no network), DIR/report.md\n"+
			"and the PNG charts it links (DIR/charts/*.png) from DIR/run.json and\n"+
			"DIR/samples.csv. A partial directory (a killed run) still gets a report that\n"+
			"says what is missing. 'run' does this at the end of every run.\n"+
			"A run that timed connects or round trips gets a latency table per phase\n"+
			"(count, p50, p90, p99, p99.9, max), a traffic table, percentile-distribution\n"+
			"charts and p99 per interval against established connections.\n"+
			"No symbolic link is followed: DIR itself may not be one, a link where a\n"+
			"report file goes is replaced by the file, and a link in place of run.json\n"+
			"or samples.csv is not read.\n"+
			"Exit status: 0 written, 2 DIR is not a results directory or is refused\n"+
			"as unsafe, 1 writing failed.",
		"  c1m-testbed report results/million-20250101T120000Z")
	if st, done := parseFlags(fs, args); done {
		return st
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed report: name a results directory; see 'c1m-testbed report --help'")
		return exitUsage
	}
	status := exitOK
	for _, dir := range fs.Args() {
		paths, err := report.GenerateFiles(dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "c1m-testbed report: %v\n", err)
			if errors.Is(err, report.ErrNotResults) || errors.Is(err, report.ErrUnsafeDir) {
				status = max(status, exitUsage)
			} else {
				status = max(status, exitFailed)
			}
			continue
		}
		for _, p := range paths {
			fmt.Println(p)
		}
	}
	return status
}
