package main

import (
	"os"

	"github.com/c1m-testbed/c1m-testbed/nodes"
)

func init() {
	register(&command{
		name:    "node",
		hidden:  true,
		summary: "run one server or client worker (started by the orchestrator inside a namespace)",
		run:     runNode,
	})
}

// runNode is the node process: the orchestrator re-executes this binary
// inside a namespace and speaks JSON lines on stdin/stdout with it
// (docs/node-protocol.md). Closing stdin stops it.
func runNode(args []string) int {
	nodes.Tune() // first: one P, tight GC
	fs := newFlags("node", "server|client",
		"Run one epoll worker speaking the node control protocol (JSON lines) on stdin/stdout.\n"+
			"Internal: the orchestrator starts it inside a namespace. When stdin closes, it closes\n"+
			"every socket and exits 0. See docs/node-protocol.md.",
		`  echo '{"cmd":"start","server":{"addrs":["198.18.0.1"],"ports":[5000],"backlog":4096,"on_data":"discard"}}' |
    c1m-testbed node server`)
	if status, done := parseFlags(fs, args); done {
		return status
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "server" && fs.Arg(0) != "client") {
		fs.Usage()
		return exitUsage
	}
	return nodes.Main(fs.Arg(0), os.Stdin, os.Stdout)
}
