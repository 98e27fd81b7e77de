package scenarios

import (
	"fmt"
	"slices"
	"strings"
)

// KernelMessages are the kernel log messages a run watches for (a prefix
// of each, as the kernel prints it), and what each one means. Expect's
// kernel-log names them.
var KernelMessages = map[string]string{
	"TCP: out of memory":                   "tcp_mem reached its max: sockets are reset",
	"too many orphaned sockets":            "orphans above tcp_max_orphans: sockets are reset",
	"nf_conntrack: table full":             "nf_conntrack_max reached: new connections' packets are dropped",
	"neighbor table overflow":              "the IPv4 (arp_cache) or IPv6 (ndisc_cache) neighbour table is full (gc_thresh3): packets to new neighbours are dropped",
	"Possible SYN flooding":                "a listen queue overflowed: SYN cookies or drops",
	"TCP: time wait bucket table overflow": "tcp_max_tw_buckets reached: sockets skip TIME_WAIT",
	"VFS: file-max limit":                  "fs.file-max reached: ENFILE",
	"Memory cgroup out of memory":          "a cgroup's memory limit was reached: the OOM killer ended one of its processes",
}

// kernelLog reads expect.kernel-log: a list of watched kernel messages.
func (d *decoder) kernelLog(t table, k string) []string {
	list := d.strList(t, k)
	for i, m := range list {
		if _, ok := KernelMessages[m]; ok {
			continue
		}
		if d.err != nil {
			break // the first problem is the one reported
		}
		known := make([]string, 0, len(KernelMessages))
		for n := range KernelMessages {
			known = append(known, fmt.Sprintf("%q", n))
		}
		slices.Sort(known)
		d.failVal(fmt.Sprintf("%s[%d]", t.child(k), i), "use one of "+strings.Join(known, ", "), "%s: %q is not a kernel message the run watches", t.qualified(k), m)
	}
	return list
}
