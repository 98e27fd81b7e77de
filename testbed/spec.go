package testbed

import (
	"net/netip"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// topologySpec turns a scenario's topology into what topology.Build takes.
func topologySpec(sc *scenarios.Scenario, runID string) topology.Spec {
	return topology.Spec{
		RunID:            runID,
		ClientNamespaces: sc.Topology.ClientNamespaces,
		ClientAddresses:  sc.Topology.ClientAddresses,
		ServerAddresses:  sc.Topology.ServerAddresses,
		Subnet:           sc.Topology.Subnet,
		Family:           topology.Family(sc.Topology.Family),
		Subnet6:          sc.Topology.Subnet6,
		AnyIP:            sc.Topology.ClientSources == scenarios.SourcesAnyIP,
		ServerSysctls:    sc.Sysctl.Server,
		ClientSysctls:    sc.Sysctl.Client,
		NeighbourTable:   sc.Topology.NeighbourTable,
		Conntrack:        sc.Topology.Conntrack,
		DirectRoutes:     sc.Topology.Routing == "direct",
		Link: topology.LinkShape{Delay: sc.Topology.LinkDelay, Jitter: sc.Topology.LinkJitter,
			LossPercent: sc.Topology.LinkLoss, RateBitsPerSec: sc.Topology.LinkRate},
	}
}

func addrStrings(as []netip.Addr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}
