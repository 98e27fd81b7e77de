package testbed

import (
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// trafficCommand is the command that starts a traffic phase on a client
// worker (every worker gets the same: each sends from its own share).
func trafficCommand(ph scenarios.Phase, fraction float64) nodes.Command {
	return nodes.Command{Cmd: nodes.CmdTraffic, Bytes: ph.Bytes, Fraction: fraction,
		Interval: ph.Interval, Duration: ph.Duration}
}
