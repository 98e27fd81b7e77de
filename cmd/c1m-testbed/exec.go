package main

import (
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/lab"
)

func init() {
	register(&command{name: "exec", summary: "run a command inside a namespace of a running lab (srv, c1, c2…)", run: execCmd})
}

func execCmd(args []string) int {
	fs := newFlags("exec", "[--run ID] NAMESPACE -- COMMAND [ARGS...]",
		`Runs COMMAND inside network namespace NAMESPACE of a lab started with
'c1m-testbed up', with this terminal's input and output: 'ss -s', 'nstat',
'cat /proc/net/sockstat', a shell, a debugger or your own client see the
namespace's sockets, addresses and counters. NAMESPACE is srv (the server), c1, c2…
(the client namespaces) or a full namespace name. The exit status is
COMMAND's. With several labs up, name one with --run.`,
		"  sudo c1m-testbed exec srv -- ss -s\n  sudo c1m-testbed exec c1 -- nstat -az TcpExtListenOverflows\n  sudo c1m-testbed exec --run ab12cd srv -- bash")
	runID := fs.String("run", "", "the lab's run `ID` (needed when several labs are up)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	rest := fs.Args()
	if len(rest) > 1 && rest[1] == "--" {
		rest = append(rest[:1:1], rest[2:]...)
	}
	if len(rest) < 2 {
		fmt.Fprintln(os.Stderr, "c1m-testbed exec: name a namespace and a command, e.g. 'c1m-testbed exec srv -- ss -s'")
		return exitUsage
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed exec: entering a namespace needs root: try 'sudo c1m-testbed exec ...'")
		return exitRefused
	}
	l, err := lab.Find(*runID)
	if err != nil {
		return exitFor("exec", err)
	}
	ns, err := l.NamespaceOf(rest[0])
	if err != nil {
		return exitFor("exec", err)
	}
	err = lab.Exec(ns, rest[1:]) // returns only on failure
	fmt.Fprintf(os.Stderr, "c1m-testbed exec: %v\n", err)
	return 127
}
