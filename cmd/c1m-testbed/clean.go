package main

import (
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/lab"
)

func init() {
	register(&command{name: "clean", summary: "remove what dead runs left behind and restore their host settings", run: cleanCmd})
}

func cleanCmd(args []string) int {
	fs := newFlags("clean", "",
		`Finds runs whose owner process is gone (killed, crashed, the machine lost
power mid-run), restores the host settings their journals recorded, ends their
worker processes, deletes their namespaces and links, and says what it did.
A live run is never touched. On a clean host it says so and exits 0.`,
		"  sudo c1m-testbed clean")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	n, err := lab.Clean(os.Stdout)
	if err != nil {
		return exitFor("clean", err)
	}
	if n > 0 {
		fmt.Printf("cleaned %d dead run(s)\n", n)
	}
	return exitOK
}
