package topology

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
)

// Check makes the checks Build makes before it creates anything that need
// nothing from the system: the run id, the link shape, the address layout
// and the link names. It is how a caller (validate, and the property
// test that keeps validate and run twins) learns without root what Build
// would refuse.
func (spec Spec) Check() error {
	_, err := makePlan(spec)
	return err
}

// NeighbourNeed is the neighbour entries Build needs the host's
// gc_thresh3 to allow (layout.NeighbourNeed, the rule the planner checks
// before [host] is written).
func (spec Spec) NeighbourNeed() int {
	return layout.NeighbourNeed(spec.NeighbourTable, spec.ClientNamespaces)
}

// CheckNeighbours compares the spec's neighbour need with have, the
// host's gc_thresh3 (host-global on this kernel), as Build does after the
// [host] settings were written.
func (spec Spec) CheckNeighbours(have int) error {
	return spec.checkNeighbours("net.ipv4.neigh.default.gc_thresh3", have)
}

// checkNeighbours is CheckNeighbours against the threshold key (IPv4's
// or IPv6's) whose value is have.
func (spec Spec) checkNeighbours(key string, have int) error {
	need := spec.NeighbourNeed()
	if need <= have {
		return nil
	}
	return fmt.Errorf("the run needs %d neighbour entries but the host's %s is %d: "+
		"%s is host-global on this kernel: put it under [host] in the scenario (at least %d)", need, key, have, key, need)
}
