package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func init() {
	register(&command{name: "list", summary: "list the built-in scenarios and labs", run: runList})
}

func runList(args []string) int {
	fs := newFlags("list", "",
		`Lists every built-in scenario with its one-line description. Run one by
name (c1m-testbed run NAME) or copy it from scenarios/NAME.toml and edit it.`,
		"  c1m-testbed list\n  c1m-testbed plan port-exhaustion")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed list: takes no arguments; run 'c1m-testbed list --help'")
		return exitUsage
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	for _, b := range scenarios.Builtins() {
		fmt.Fprintf(tw, "%s\t%s\n", b.Name, b.Description)
	}
	tw.Flush()
	return exitOK
}
