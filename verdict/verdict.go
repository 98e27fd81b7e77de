// Package verdict checks a finished run against its scenario's [expect]
// table: the counts (established connections, errors, bytes per
// connection, close time, workers, TcpExt counters, kernel log lines) and
// the latencies (connect, handshake and round-trip percentiles, messages
// per second, the floor a delayed link sets). It is pure: it reads only
// what it is given, so a run and a merge of shards reach the same verdict
// from the same results.
package verdict

import (
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// Check checks e (a scenario's [expect], on links set up as topo says)
// against a finished run's summary, phases and TcpExt counters, and
// returns one expectation per check in a fixed order: the counts first,
// then the latencies. An expectation on something the run did not
// measure fails.
func Check(e scenarios.Expect, topo scenarios.Topology, s results.Summary, phases []results.Phase, counters map[string]int64) []results.Expectation {
	return append(counts(e, s, phases, counters), latency(e, topo, phases)...)
}

// Passed reports whether every expectation held (true when there are none).
func Passed(es []results.Expectation) bool {
	for _, e := range es {
		if !e.Held {
			return false
		}
	}
	return true
}
