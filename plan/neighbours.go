package plan

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// gcThresh3 and gcThresh3v6 are the IPv4 and IPv6 neighbour tables' hard
// caps, host-global on this kernel.
const (
	gcThresh3   = "net.ipv4.neigh.default.gc_thresh3"
	gcThresh3v6 = "net.ipv6.neigh.default.gc_thresh3"
)

// NeighbourNeed is the neighbour entries a run of tp needs
// (layout.NeighbourNeed); topology.Build refuses a host whose gc_thresh3 is
// lower after the [host] settings are written.
func NeighbourNeed(tp scenarios.Topology) int64 {
	return int64(layout.NeighbourNeed(tp.NeighbourTable, tp.ClientNamespaces))
}

// checkNeighbours refuses a scenario whose neighbour need is above the
// gc_thresh3 the host will have (env after applyHost: the [host] value,
// else the host's; 0 when unknown, not checked), as topology.Build would
// after [host] was written.
// Each family the topology speaks has its own table and cap.
func checkNeighbours(s *scenarios.Scenario, env Env) error {
	if s.Topology.HasIPv4() {
		if err := checkNeighbourTable(s, gcThresh3, env.NeighbourMax); err != nil {
			return err
		}
	}
	if s.Topology.HasIPv6() {
		return checkNeighbourTable(s, gcThresh3v6, env.NeighbourMax6)
	}
	return nil
}

// checkNeighbourTable is checkNeighbours for the table whose cap is the
// sysctl gcThresh3, have entries (0: unknown).
func checkNeighbourTable(s *scenarios.Scenario, gcThresh3 string, have int64) error {
	need := NeighbourNeed(s.Topology)
	if have <= 0 || need <= have {
		return nil
	}
	where, at := "the host's", "topology.neighbour-table"
	if _, ok := s.Host[gcThresh3]; ok {
		where = "[host]'s"
	}
	if s.Topology.NeighbourTable == 0 {
		at = "topology.client-namespaces"
	}
	fix := fmt.Sprintf(`set "%s" = %s or more under [host] (host-global on this kernel; journaled and restored), or lower topology.neighbour-table`, gcThresh3, units.Int(need))
	return s.ErrorAt(at, fix, "the run needs %s neighbour entries but %s %s is %s: the topology would refuse to build after [host] was written",
		units.Int(need), where, gcThresh3, units.Int(have))
}
