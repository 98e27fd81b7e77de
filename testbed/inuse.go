package testbed

import "github.com/c1m-testbed/c1m-testbed/internal/procfs"

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
