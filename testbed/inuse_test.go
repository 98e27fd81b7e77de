package testbed

import (
	"testing"

	"github.com/vishvananda/netlink"
)

func TestGCCountedNeighbours(t *testing.T) {
	for _, tc := range []struct {
		name string
		list []netlink.Neigh
		want int64
	}{
		{"empty", nil, 0},
		{"reachable, stale, failed, incomplete count", []netlink.Neigh{
			{State: netlink.NUD_REACHABLE}, {State: netlink.NUD_STALE}, {State: netlink.NUD_FAILED}, {State: netlink.NUD_INCOMPLETE},
		}, 4},
		{"NOARP counts (multicast, ::1)", []netlink.Neigh{{State: netlink.NUD_NOARP}, {State: netlink.NUD_NOARP}}, 2},
		{"permanent is exempt", []netlink.Neigh{{State: netlink.NUD_PERMANENT}, {State: netlink.NUD_REACHABLE}}, 1},
		{"externally learned is exempt", []netlink.Neigh{{State: netlink.NUD_REACHABLE, Flags: netlink.NTF_EXT_LEARNED}}, 0},
		{"externally validated is exempt", []netlink.Neigh{{State: netlink.NUD_STALE, FlagsExt: ntfExtExtValidated}}, 0},
		{"router flag counts", []netlink.Neigh{{State: netlink.NUD_REACHABLE, Flags: netlink.NTF_ROUTER}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gcCountedNeighbours(tc.list); got != tc.want {
				t.Errorf("gcCountedNeighbours = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestIPv6NeighboursReadsHost: the dump needs no privilege and reads the
// test's own namespace; it only reads.
func TestIPv6NeighboursReadsHost(t *testing.T) {
	n, ok := ipv6Neighbours()
	if !ok {
		t.Skip("skipping: no IPv6 neighbour dump on this host")
	}
	if n < 0 {
		t.Errorf("ipv6Neighbours = %d", n)
	}
	t.Logf("%d IPv6 neighbour entries counted against gc_thresh3", n)
}
