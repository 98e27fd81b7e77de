// Command c1m-testbed turns one Linux host into a laboratory for one
// million concurrent TCP connections. See README.md and docs/.
package main

import (
	"fmt"
	"os"
	"sort"
)

// Exit statuses, the same for every subcommand.
const (
	exitOK      = 0 // success; every expectation held
	exitFailed  = 1 // an expectation failed
	exitUsage   = 2 // the scenario or the command line is wrong
	exitRefused = 3 // the environment refused (not root, kernel feature missing)
)

// command is one subcommand; each lives in a file of its own and
// registers itself from init.
type command struct {
	name    string
	summary string // one line for the command list
	hidden  bool   // internal; not listed
	run     func(args []string) int
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 {
		usage()
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"--help"})
			}
		}
		usage()
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "c1m-testbed: unknown command %q; run 'c1m-testbed --help' for the list\n", args[0])
		return exitUsage
	}
	return c.run(args[1:])
}

func usage() {
	fmt.Fprint(os.Stderr, `c1m-testbed: a laboratory for one million concurrent TCP connections on one Linux host.

Usage: c1m-testbed COMMAND [ARGS]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n, c := range commands {
		if !c.hidden {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(os.Stderr, `
Run 'c1m-testbed COMMAND --help' for a command's flags and an example.
Exit status: 0 ok, 1 an expectation failed, 2 bad scenario or command line,
3 the environment refused (not root, kernel feature missing).

Example:
  sudo c1m-testbed run million
`)
}
