package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/merge"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

func init() {
	register(&command{name: "merge", summary: "combine the results of a run's shards (directories or kubectl logs) into one run", run: mergeCmd})
}

func mergeCmd(args []string) int {
	fs := newFlags("merge", "INPUT... [--out DIR]",
		`Combines the results of the N shards of one run ('c1m-testbed clients
--shard I/N') into one results directory, as if one run had made them:
samples aligned on wall-clock time and summed (host-wide figures once per
host; per-interval p99 the highest shard's), latency histograms merged,
errors and counters summed, phases from the first start to the last end,
and the whole scenario's expectations (the shards' parts added back up)
evaluated on the whole; then the usual report. Each INPUT is a shard's
results directory, or a file of output holding result lines ('clients
--json', e.g. 'kubectl logs -l job-name=JOB --tail=-1 > shards.log').
Every shard 0..N-1 must be there, once.

Inputs are read as hostile: only directories and regular files (no
symbolic link, FIFO, device or hard-linked file), within bounds on line
length, shards, rows, columns, phases and time span (docs/security.md);
everything printed from them is escaped, and the default directory is
named from the scenario only when its name is plain.

Exit status: 0 every expectation of the whole held, 1 one failed (or a
shard failed), 2 the inputs are not the shards of one run or exceed
merge's bounds.`,
		"  c1m-testbed merge results/smoke-*-shard-*\n  kubectl logs -l job-name=c1m-smoke --tail=-1 > shards.log && c1m-testbed merge shards.log --out results/smoke-fleet")
	out := fs.String("out", "", "merged results directory (default results/<scenario>-merged-<UTC time>)")
	noReport := fs.Bool("no-report", false, "skip rendering report.html and report.md")
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed merge: name the shards' results directories or log files, e.g. 'c1m-testbed merge results/smoke-*-shard-*'")
		return exitUsage
	}
	res, err := testbed.Merge(testbed.MergeOptions{Inputs: fs.Args(), OutDir: *out, Progress: os.Stdout, NoReport: *noReport})
	if err != nil {
		return mergeFailed(os.Stderr, err)
	}
	return verdict("merge", res)
}

// mergeFailed prints merge's error, escaped (it quotes what the shards
// hold: names, paths, values), and gives its exit status: 2 for inputs
// that cannot be merged (merge.ErrInput: not the shards of one
// run, or beyond merge's bounds) and as exitStatus says otherwise.
func mergeFailed(w io.Writer, err error) int {
	fmt.Fprintf(w, "c1m-testbed merge: %s\n", printable.String(err.Error()))
	if errors.Is(err, merge.ErrInput) {
		return exitUsage
	}
	return exitStatus(err)
}
