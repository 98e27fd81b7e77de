package scenarios

import "strings"

// hostGlobal lists net.* settings that have one value for the whole host
// (or must be written in the host's namespace before the lab's namespaces
// exist). They belong under [host], which the run journals and restores.
var hostGlobal = map[string]bool{
	"net.ipv4.tcp_mem":                   true,
	"net.ipv4.udp_mem":                   true,
	"net.ipv4.tcp_max_orphans":           true,
	"net.ipv4.tcp_child_ehash_entries":   true,
	"net.ipv4.udp_child_hash_entries":    true,
	"net.netfilter.nf_conntrack_max":     true,
	"net.nf_conntrack_max":               true,
	"net.netfilter.nf_conntrack_buckets": true,
	"net.core.rmem_max":                  true,
	"net.core.wmem_max":                  true,
	"net.core.rmem_default":              true,
	"net.core.wmem_default":              true,
	"net.core.netdev_max_backlog":        true,
	"net.core.optmem_max":                true,
	// The neighbour table's thresholds are table-wide: on Linux 6.18 they
	// exist only in the host's namespace (docs/topology.md).
	"net.ipv4.neigh.default.gc_thresh1": true,
	"net.ipv4.neigh.default.gc_thresh2": true,
	"net.ipv4.neigh.default.gc_thresh3": true,
}

// IsHostGlobal reports whether a sysctl has one value for the whole host:
// fs.*, vm.*, kernel.* and the net.* settings the kernel does not keep per
// network namespace (tcp_mem, tcp_max_orphans, nf_conntrack_max, ...).
func IsHostGlobal(name string) bool {
	for _, p := range []string{"fs.", "vm.", "kernel."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return hostGlobal[name]
}

// validSysctlName reports whether name looks like a sysctl: dotted lowercase words.
func validSysctlName(name string) bool {
	if name == "" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || !strings.Contains(name, ".") || strings.Contains(name, "..") {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
