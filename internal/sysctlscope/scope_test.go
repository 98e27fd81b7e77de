package sysctlscope

import (
	"strings"
	"testing"
)

// TestTableShape checks the table's own rules: ranges that hold their
// floor, host keys with a floor where lowering them could starve the host,
// relative keys with something in use to be relative to.
func TestTableShape(t *testing.T) {
	for _, k := range All() {
		switch {
		case !strings.HasPrefix(k.Name, "net.") && !strings.HasPrefix(k.Name, "fs."):
			t.Errorf("%s: only net.* and fs.* settings are accepted", k.Name)
		case k.Scope == Namespace && !strings.HasPrefix(k.Name, "net."):
			t.Errorf("%s: only net.* settings can be per namespace", k.Name)
		case k.Fields > 0 && (k.Min > k.Max || k.Least() > k.Max):
			t.Errorf("%s: range %d..%d, floor %d", k.Name, k.Min, k.Max, k.Floor)
		case k.Relative && k.InUse == "":
			t.Errorf("%s: \"+N\" needs an amount in use", k.Name)
		case k.Scope == Namespace && (k.Floor != 0 || k.Margin != 0 || k.Relative):
			t.Errorf("%s: floors are for keys written on the host", k.Name)
		case k.Doc == "":
			t.Errorf("%s: no doc", k.Name)
		}
	}
	for _, name := range []string{"kernel.core_pattern", "kernel.modules_disabled", "vm.overcommit_memory", "net.ipv4.tcp_ehash_entries", "fs.file-nr"} {
		if _, ok := Lookup(name); ok {
			t.Errorf("%s must not be accepted", name)
		}
	}
	for name, want := range map[string]Scope{
		"net.core.busy_poll": Host, "net.core.optmem_max": Namespace, "net.ipv4.tcp_child_ehash_entries": Parent,
		"net.ipv4.neigh.default.gc_thresh3": Host, "net/ipv4/tcp_rmem": Namespace, "fs.file-max": Host,
		"net.ipv6.neigh.default.gc_thresh1": Host, "net/ipv6/neigh/default/gc_thresh3": Host,
	} {
		if k, ok := Lookup(name); !ok || k.Scope != want {
			t.Errorf("Lookup(%s) = %v %v; want %v", name, k.Scope, ok, want)
		}
	}
}

func TestNearest(t *testing.T) {
	for _, tt := range []struct {
		name   string
		onHost bool
		want   string
	}{
		{"net.core.somaxcon", false, "net.core.somaxconn"},
		{"net.ipv4.tcp_rmen", false, "net.ipv4.tcp_rmem"},
		{"fs.filemax", true, "fs.file-max"},
		{"net.ipv4.netfilter.nf_conntrack_max", true, "net.netfilter.nf_conntrack_max"},
		{"kernel.core_pattern", true, ""},
	} {
		if got := Nearest(tt.name, tt.onHost); got != tt.want {
			t.Errorf("Nearest(%s, %v) = %q; want %q", tt.name, tt.onHost, got, tt.want)
		}
	}
}
