package topology

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
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

// IsHostGlobal reports whether sysctl key must not be written inside a
// lab namespace: it is host-global on this kernel, or read only when a
// namespace is created (tcp_child_ehash_entries), so it goes under [host]
// in a scenario (and through the Journal). The answer comes from the one
// scope table, internal/sysctlscope, which a root test checks against the
// kernel; anything outside net.* (fs.*, vm.*, kernel.*) is host-global,
// and a net.* key the table does not know is probed in a throwaway
// namespace (missing or read-only there means host-global).
func IsHostGlobal(key string) bool {
	key = sysctlscope.Normalize(key)
	if k, ok := sysctlscope.Lookup(key); ok {
		return k.Scope.OnHost()
	}
	if !strings.HasPrefix(key, "net.") {
		return true
	}
	if strings.HasPrefix(key, "net.ipv4.neigh.default.gc_") || strings.HasPrefix(key, "net.ipv6.neigh.default.gc_") {
		return true
	}
	return probeHostGlobal(key)
}

// checkNamespaceSysctls refuses host-global keys in a namespace section.
func checkNamespaceSysctls(section string, m map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if IsHostGlobal(k) {
			return &HostGlobalError{Key: k, Section: section}
		}
	}
	return nil
}
