package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/report"
)

func init() {
	register(&command{name: "compare", summary: "compare two or more runs side by side", run: runCompare})
}

// runCompare writes the comparison of several results directories.
func runCompare(args []string) int {
	fs := newFlags("compare", "DIR1 DIR2 [DIR...] [--out DIR]",
		"Write OUT/compare.html and OUT/compare.md: the runs' summaries side by side\n"+
			"with ratios against DIR1, their expectations, the settings in which they\n"+
			"differ, and their charts overlaid (close storms aligned on the close start;\n"+
			"the whole runs' connect and round-trip percentile distributions, and p99\n"+
			"per interval against established connections). A DIR written by\n"+
			"'run --repeat' is compared over all its runs: each metric's median\n"+
			"[min–max], a difference smaller than either side's range marked\n"+
			"\"within noise\" (docs/experiments.md).\n"+
			"OUT is made if missing; an existing OUT must be empty or hold an earlier\n"+
			"comparison, and may not be a symbolic link. No link is ever followed.\n"+
			"At most 10 runs are compared at once; each DIR is read as 'report' reads\n"+
			"it (no link followed, files beyond the bounds of a real run refused).\n"+
			"Exit status: 0 written, 2 a DIR is not a results directory, is beyond\n"+
			"bounds, too many DIRs, or OUT is refused, 1 writing failed.",
		"  c1m-testbed compare results/close-fin-20250101T120000Z results/close-rst-20250101T130000Z --out fin-vs-rst")
	out := fs.String("out", "compare", "directory to write compare.html, compare.md and charts/ into")
	dirs, st, done := parseInterspersed(fs, args)
	if done {
		return st
	}
	if len(dirs) < 2 {
		fmt.Fprintln(os.Stderr, "c1m-testbed compare: name at least two results directories; see 'c1m-testbed compare --help'")
		return exitUsage
	}
	paths, err := report.CompareFiles(*out, dirs...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed compare: %s\n", printable.String(err.Error()))
		return resultsExit(err)
	}
	for _, p := range paths {
		fmt.Println(printable.String(p))
	}
	return exitOK
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (Go's flag package stops at the first
// positional one) and returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) (pos []string, status int, done bool) {
	for {
		if st, d := parseFlags(fs, args); d {
			return nil, st, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
