package scenarios

import (
	"fmt"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// IsHostGlobal reports whether a sysctl belongs under [host]: the scope
// table (internal/sysctlscope) says it is host-global or read when a
// namespace is created, or it is outside net.* (fs.*, vm.*, kernel.*).
// Whether [host] accepts it is another question: only the table's host
// keys are allowed there.
func IsHostGlobal(name string) bool {
	if k, ok := sysctlscope.Lookup(name); ok {
		return k.Scope.OnHost()
	}
	return !strings.HasPrefix(sysctlscope.Normalize(name), "net.")
}

// validSysctlName reports whether name looks like a sysctl: dotted words.
func validSysctlName(name string) bool {
	if name == "" || len(name) > 128 || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || !strings.Contains(name, ".") || strings.Contains(name, "..") {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// printableLine reports whether v is one line of printable ASCII.
func printableLine(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// maxSysctlValue bounds a sysctl value's length.
const maxSysctlValue = 256

// checkSysctl checks one setting of [host] (host true) or [sysctl.ROLE]
// against the scope table and returns its normalised value: whole numbers
// in decimal separated by one space ("1_000_000" -> "1000000", "+20k" ->
// "+20000"). It records the first problem in d.
func (d *decoder) checkSysctl(t table, at, name, val string, host bool) string {
	section := "[" + t.name + "]"
	if !validSysctlName(name) {
		d.failKey(at, `write the sysctl's dotted name in quotes, e.g. "net.core.somaxconn" = 4096`, "%s: %q is not a sysctl name", t.name, name)
		return ""
	}
	k, known := sysctlscope.Lookup(name)
	switch {
	case host && !known:
		fix := "the run changes only host settings it can restore and that keep the host usable: " + strings.Join(sysctlscope.HostKeys(), ", ")
		if near := sysctlscope.Nearest(name, true); near != "" {
			fix = fmt.Sprintf("did you mean %q?", near)
		} else if near := sysctlscope.Nearest(name, false); near != "" && strings.HasPrefix(name, "net.") {
			fix = fmt.Sprintf("did you mean %q? It is per namespace: put it under [sysctl.server] or [sysctl.client]", near)
		}
		d.failKey(at, fix, "[host] %s is not on the allowlist of host settings", name)
	case host && !k.Scope.OnHost():
		d.failKey(at, "put it under [sysctl.server] or [sysctl.client]: it is set inside each namespace, and the host's own value stays untouched", "[host] %s is a per-namespace setting", name)
	case !host && known && k.Scope == sysctlscope.Parent:
		d.failKey(at, "put it under [host]: the kernel reads it when a namespace is created, so the run sets it in the host's namespace before the lab's namespaces exist (journaled, restored)", "%s %s is read when a namespace is created, not inside one", section, name)
	case !host && !known && !strings.HasPrefix(name, "net."):
		d.failKey(at, "only net.* settings live in a network namespace; [host] takes only the settings listed in docs/scenario-format.md", "%s %s is not a network setting", section, name)
	case !host && known && k.Scope.OnHost():
		d.failKey(at, "put it under [host]: the run journals host-global settings and restores them", "%s %s is host-global, not per-namespace", section, name)
	case !host && !known:
		fix := "see the per-namespace settings in docs/scenario-format.md"
		if near := sysctlscope.Nearest(name, false); near != "" {
			fix = fmt.Sprintf("did you mean %q?", near)
		} else if near := sysctlscope.Nearest(name, true); near != "" {
			fix = fmt.Sprintf("did you mean %q? It goes under [host]", near)
		}
		d.failKey(at, fix, "%s %s is not a setting this tool knows", section, name)
	}
	if d.err != nil {
		return ""
	}
	if !printableLine(val) || len(val) > maxSysctlValue {
		d.failVal(at, fmt.Sprintf("write the value on one line, printable characters only, at most %d bytes, e.g. %s", maxSysctlValue, sysctlExample(k)),
			"%s %s: the value must be one line of printable characters, at most %d bytes", t.name, name, maxSysctlValue)
		return ""
	}
	norm, fix, err := normalizeSysctl(k, val, host)
	if err != "" {
		d.failVal(at, fix, "%s %s: %q %s", t.name, name, val, err)
		return ""
	}
	return norm
}

// normalizeSysctl parses val per k's type and returns its normal form, or
// what is wrong ("is not valid") and the fix.
func normalizeSysctl(k sysctlscope.Key, val string, host bool) (norm, fix, problem string) {
	v := strings.TrimSpace(val)
	if k.Fields == 0 {
		if v == "" || len(v) > 32 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
			return "", fmt.Sprintf("write a name, e.g. %s", sysctlExample(k)), "is not a name"
		}
		return v, "", ""
	}
	if rel, ok := strings.CutPrefix(v, "+"); ok {
		relFix := fmt.Sprintf(`write "+N" with N a count of at least %s, meaning %s when the run starts plus N, e.g. "+20k"`, units.Int(k.Margin), k.InUse)
		if !host || !k.Relative {
			return "", fmt.Sprintf("write %d whole number(s), e.g. %s; only %s may be written \"+N\"", k.Fields, sysctlExample(k), strings.Join(relativeKeyNames(), ", ")), "cannot be relative"
		}
		n, err := ParseCount(rel)
		if err != nil || strings.ContainsAny(rel, "+- ") {
			return "", relFix, "is not valid"
		}
		if n < k.Margin {
			return "", relFix, fmt.Sprintf("leaves the host less than %s %s of headroom", units.Int(k.Margin), k.Unit)
		}
		return "+" + fmt.Sprint(n), "", ""
	}
	fields := strings.Fields(v)
	want := fmt.Sprintf("write %d whole number(s) from %s to %s, e.g. %s", k.Fields, units.Int(k.Min), units.Int(k.Max), sysctlExample(k))
	if len(fields) != k.Fields {
		return "", want, "is not valid"
	}
	nums := make([]int64, len(fields))
	for i, f := range fields {
		neg := false
		if strings.HasPrefix(f, "-") && k.Min < 0 {
			neg, f = true, f[1:]
		}
		n, err := ParseCount(f)
		if err != nil || strings.ContainsAny(f, "+-") {
			return "", want, "is not valid"
		}
		if neg {
			n = -n
		}
		if n < k.Min || n > k.Max {
			return "", want, "is out of range"
		}
		if host && n < k.Floor {
			fix := fmt.Sprintf("use at least %s %s: a lab lowers a limit to what the host uses plus a margin, never near 0", units.Int(k.Floor), k.Unit)
			if k.Relative {
				fix += fmt.Sprintf(`; write "+N" for %s plus N`, k.InUse)
			}
			return "", fix, fmt.Sprintf("is below the floor %s that keeps the host usable", units.Int(k.Floor))
		}
		if k.Increasing && i > 0 && n < nums[i-1] {
			return "", fmt.Sprintf("write each number at least the one before, e.g. %s", sysctlExample(k)), "is not increasing"
		}
		nums[i] = n
	}
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, " "), "", ""
}

// sysctlExample is a valid setting of k, for fixes.
func sysctlExample(k sysctlscope.Key) string {
	switch {
	case k.Name == "net.ipv4.ip_local_port_range":
		return `"net.ipv4.ip_local_port_range" = "1024 65535"`
	case k.Name == "net.ipv4.tcp_mem":
		return `"net.ipv4.tcp_mem" = "65536 98304 131072"`
	case k.Fields == 0:
		return fmt.Sprintf("%q = %q", k.Name, "cubic")
	case k.Fields == 3:
		return fmt.Sprintf("%q = \"4096 131072 6291456\"", k.Name)
	}
	return fmt.Sprintf("%q = %d", k.Name, max(k.Least(), min(k.Max, 100000)))
}

// relativeKeyNames lists the [host] keys that may be written "+N".
func relativeKeyNames() []string {
	var out []string
	for _, k := range sysctlscope.All() {
		if k.Relative {
			out = append(out, k.Name)
		}
	}
	return out
}
