package topology

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrHostGlobal marks a sysctl that a namespace section asked for but that
// is host-global on this kernel.
var ErrHostGlobal = errors.New("host-global sysctl in a namespace section")

// HostGlobalError is the refusal of a host-global key in a namespace
// section; errors.Is(err, ErrHostGlobal) matches it.
type HostGlobalError struct {
	Key     string // the dotted sysctl name
	Section string // where it was found, e.g. "server sysctls"
}

func (e *HostGlobalError) Error() string {
	return fmt.Sprintf("%s is host-global on this kernel: put it under [host] in the scenario (it was in the %s)", e.Key, e.Section)
}

// Is makes errors.Is(err, ErrHostGlobal) true.
func (e *HostGlobalError) Is(target error) bool { return target == ErrHostGlobal }

// sysctlScope records, for the sysctls the scenarios use, whether they are
// host-global (true) or per network namespace (false) on Linux 6.18. Every
// entry was checked by experiment (TestHostGlobalTable repeats it): a
// host-global key is missing or read-only in a fresh namespace, or a write
// there changes the host's value.
var sysctlScope = map[string]bool{
	// missing in a child namespace
	"net.ipv4.tcp_mem":                  true,
	"net.ipv4.udp_mem":                  true,
	"net.ipv4.tcp_max_orphans":          true,
	"net.core.netdev_max_backlog":       true,
	"net.core.busy_poll":                true,
	"net.nf_conntrack_max":              true,
	"net.ipv4.neigh.default.gc_thresh1": true,
	"net.ipv4.neigh.default.gc_thresh2": true,
	"net.ipv4.neigh.default.gc_thresh3": true,
	// read-only in a child namespace
	"net.core.rmem_max":                  true,
	"net.core.wmem_max":                  true,
	"net.core.rmem_default":              true,
	"net.core.wmem_default":              true,
	"net.netfilter.nf_conntrack_max":     true,
	"net.netfilter.nf_conntrack_buckets": true,
	// per namespace: a write in a child leaves the host's value alone
	"net.core.somaxconn":                                 false,
	"net.core.optmem_max":                                false,
	"net.ipv4.tcp_rmem":                                  false,
	"net.ipv4.tcp_wmem":                                  false,
	"net.ipv4.tcp_max_syn_backlog":                       false,
	"net.ipv4.tcp_max_tw_buckets":                        false,
	"net.ipv4.ip_local_port_range":                       false,
	"net.ipv4.tcp_fin_timeout":                           false,
	"net.ipv4.tcp_tw_reuse":                              false,
	"net.ipv4.tcp_syncookies":                            false,
	"net.ipv4.tcp_orphan_retries":                        false,
	"net.netfilter.nf_conntrack_tcp_timeout_established": false,
	"net.netfilter.nf_conntrack_tcp_timeout_time_wait":   false,
	"net.unix.max_dgram_qlen":                            false,
}

// IsHostGlobal reports whether sysctl key is host-global on this kernel, so
// that it must go under [host] in a scenario (and through the Journal)
// rather than into a namespace. Anything outside net.* (fs.*, vm.*,
// kernel.*) is host-global; net.* keys are looked up in a table checked on
// this kernel, and keys not in it are probed in a throwaway namespace
// (missing or read-only there means host-global).
func IsHostGlobal(key string) bool {
	key = strings.ReplaceAll(strings.Trim(key, "/"), "/", ".")
	if !strings.HasPrefix(key, "net.") {
		return true
	}
	if g, ok := sysctlScope[key]; ok {
		return g
	}
	if strings.HasPrefix(key, "net.ipv4.neigh.default.gc_") || strings.HasPrefix(key, "net.ipv6.neigh.default.gc_") {
		return true
	}
	return probeHostGlobal(key)
}

// checkNamespaceSysctls refuses host-global keys in a namespace section.
func checkNamespaceSysctls(section string, m map[string]string) error {
	for _, k := range sortedKeys(m) {
		if IsHostGlobal(k) {
			return &HostGlobalError{Key: k, Section: section}
		}
	}
	return nil
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
