package testbed

import (
	"context"
	"fmt"
	"time"

	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// trafficDrain is how long a traffic phase's own default timeout allows
// past its duration and one interval (the nodes wait up to one interval
// + 2 s for outstanding replies), for a decoder that gave none.
const trafficDrain = 2*time.Minute + 2*time.Second

// traffic makes the client workers send ph.Bytes every ph.Interval from
// a fraction of their connections for ph.Duration, the server echoing,
// and waits for every worker's traffic_done. What the phase asked for,
// sent and got back, and its round trips, are filled in by runPhase
// from the counters and histograms at its start and end (phaseLatency).
func (r *runner) traffic(ctx context.Context, ph scenarios.Phase, rec *results.Phase) error {
	if r.external(roleClient) {
		return fmt.Errorf("a traffic phase needs the built-in clients: the [client] command cannot be told to send")
	}
	fraction := ph.Fraction
	if fraction <= 0 {
		fraction = 1
	}
	waiting := map[*worker]bool{}
	err := r.fleet.broadcast(roleClient, func(i int, w *worker) nodes.Command {
		waiting[w] = true
		// every worker gets the same command: each sends from its own share
		return nodes.Command{Cmd: nodes.CmdTraffic, Bytes: ph.Bytes, Fraction: fraction,
			Interval: ph.Interval, Duration: ph.Duration}
	})
	if err != nil {
		return err
	}
	timeout := ph.Timeout
	if timeout <= 0 {
		timeout = ph.Duration + ph.Interval + trafficDrain
	}
	r.sampler.SetTraffic(true)
	defer r.sampler.SetTraffic(false)
	err = r.waitEvents(ctx, nodes.EventTrafficDone, waiting, timeout, 0, nil)
	rec.Reached = r.fleet.RoleStats(roleClient).Established
	return err
}
