package testbed

import (
	"errors"

	"github.com/vishvananda/netlink"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
)

// hostInUse maps each [host] key that has an amount in use
// (plan.HostInUseKeys) to how testbed reads that amount from the
// host now; ProbeEnv fills plan.Env.HostInUse with it. Every key of
// HostInUseKeys must be here (TestHostInUseCoversEveryKey).
var hostInUse = map[string]func() (int64, bool){
	"fs.file-max": func() (int64, bool) { return procfs.ReadInt("/proc/sys/fs/file-nr") },
	"net.ipv4.tcp_mem": func() (int64, bool) {
		return procfs.SockstatField(procfs.ReadFile("/proc/net/sockstat"), "TCP:", "mem")
	},
	"net.ipv4.udp_mem": func() (int64, bool) {
		return procfs.SockstatField(procfs.ReadFile("/proc/net/sockstat"), "UDP:", "mem")
	},
	"net.ipv4.tcp_max_orphans": func() (int64, bool) {
		return procfs.SockstatField(procfs.ReadFile("/proc/net/sockstat"), "TCP:", "orphan")
	},
	"net.netfilter.nf_conntrack_max":    func() (int64, bool) { return procfs.ReadInt("/proc/sys/net/netfilter/nf_conntrack_count") },
	"net.nf_conntrack_max":              func() (int64, bool) { return procfs.ReadInt("/proc/sys/net/netfilter/nf_conntrack_count") },
	"net.ipv4.neigh.default.gc_thresh3": func() (int64, bool) { return procfs.ARPEntries(procfs.ReadFile("/proc/net/arp")) },
	"net.ipv6.neigh.default.gc_thresh3": ipv6Neighbours,
}

// readHostInUse reads every amount of hostInUse that the host has (a
// missing file, such as conntrack's without the module, is left out).
func readHostInUse() map[string]int64 {
	m := map[string]int64{}
	for k, read := range hostInUse {
		if v, ok := read(); ok {
			m[k] = v
		}
	}
	return m
}

// ipv6Neighbours counts the host namespace's IPv6 neighbour entries the
// kernel holds against net.ipv6.neigh.default.gc_thresh3. IPv6 has no
// /proc/net/arp, so it dumps the table over netlink (RTM_GETNEIGH for
// AF_INET6, from the orchestrator's thread, which is in the host's
// namespace) and retries a dump the kernel interrupted; ok is false when
// no dump succeeds (the check is then skipped, as for a missing file).
func ipv6Neighbours() (int64, bool) {
	for range 3 {
		list, err := netlink.NeighList(0, netlink.FAMILY_V6)
		if errors.Is(err, netlink.ErrDumpInterrupted) {
			continue
		}
		if err != nil {
			return 0, false
		}
		return gcCountedNeighbours(list), true
	}
	return 0, false
}

// ntfExtExtValidated is NTF_EXT_EXT_VALIDATED of NDA_FLAGS_EXT (Linux
// 6.16): an entry an external agent keeps valid, exempt from gc.
const ntfExtExtValidated = 1 << 2

// gcCountedNeighbours counts the entries of a neighbour dump that the
// kernel counts against gc_thresh3: its gc_entries, which neigh_alloc
// compares with gc_thresh3, leaves out permanent entries and externally
// learned or validated ones (neigh_update_gc_list), so these are left out
// here too. NOARP entries (IPv6 multicast and ::1) do count there, unlike
// in /proc/net/arp, which skips them. Entries on the loopback device are
// exempt in the kernel but a dump does not say which link is loopback
// without a second one: they are counted, a handful more than the kernel
// counts, which errs on the host's side (a lowered gc_thresh3 must leave
// more headroom, never less).
func gcCountedNeighbours(list []netlink.Neigh) int64 {
	var n int64
	for _, e := range list {
		if e.State&netlink.NUD_PERMANENT != 0 || e.Flags&netlink.NTF_EXT_LEARNED != 0 || e.FlagsExt&ntfExtExtValidated != 0 {
			continue
		}
		n++
	}
	return n
}
