package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/results"
)

func init() {
	register(&command{name: "report", summary: "write report.html and report.md for a results directory", run: runReport})
}

// resultsExit is the exit status of report or compare failing with err:
// 2 for input that is not results, unsafe or beyond bounds, else 1.
func resultsExit(err error) int {
	if errors.Is(err, results.ErrNotResults) || errors.Is(err, results.ErrUnsafeDir) || errors.Is(err, results.ErrOutOfBounds) {
		return exitUsage
	}
	return exitFailed
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
			"report file goes is replaced by the file, and a link (symbolic or hard)\n"+
			"or anything but a regular file in place of run.json or samples.csv is\n"+
			"not read. Files beyond the bounds of a real run (run.json over 128 MiB,\n"+
			"samples.csv over 512 MiB, 720,000 rows or 256 columns; docs/security.md)\n"+
			"are refused before they are read.\n"+
			"Exit status: 0 written, 2 DIR is not a results directory, is refused\n"+
			"as unsafe or holds files beyond bounds, 1 writing failed.",
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
			fmt.Fprintf(os.Stderr, "c1m-testbed report: %s\n", printable.String(err.Error()))
			status = max(status, resultsExit(err))
			continue
		}
		for _, p := range paths {
			fmt.Println(printable.String(p))
		}
	}
	return status
}
