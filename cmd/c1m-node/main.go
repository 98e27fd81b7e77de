// Command c1m-node is the node worker alone: `c1m-node node server|client`
// behaves exactly like `c1m-testbed node server|client`, in a binary that
// links nothing but the nodes package. Every worker process pays for the
// initialisation of every package its binary links; this one starts about
// 1.4 MB smaller (docs/nodes.md), which at a million connections over
// ~105 workers is well over 100 bytes per connection.
//
// The default: built beside c1m-testbed by one line, it is the worker
// `c1m-testbed run` starts when --node-exe is not given (docs/nodes.md,
// "Lean by default"); --node-exe names another, --node-exe self makes
// c1m-testbed re-execute itself instead.
//
//	go build -o . ./cmd/c1m-testbed ./cmd/c1m-node
//	sudo ./c1m-testbed run million
package main

import (
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/nodes"
)

func main() {
	nodes.Tune()
	if len(os.Args) != 3 || os.Args[1] != "node" || (os.Args[2] != "server" && os.Args[2] != "client") {
		fmt.Fprintln(os.Stderr, "usage: c1m-node node server|client (started by c1m-testbed run --node-exe; speaks docs/node-protocol.md on stdin/stdout)")
		os.Exit(nodes.ExitUsage)
	}
	os.Exit(nodes.Main(os.Args[2], os.Stdin, os.Stdout))
}
