package topology

import (
	"errors"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

func TestBuildRefusesHostGlobal(t *testing.T) {
	tests := []struct {
		name     string
		srv, cli map[string]string
		want     string
	}{
		{"tcp_mem in server", map[string]string{"net.ipv4.tcp_mem": "1 2 3"}, nil,
			"net.ipv4.tcp_mem is host-global on this kernel: put it under [host] in the scenario"},
		{"fs in client", nil, map[string]string{"net.core.somaxconn": "1024", "fs.file-max": "2000000"},
			"fs.file-max is host-global on this kernel: put it under [host] in the scenario"},
		{"orphans in client", nil, map[string]string{"net.ipv4.tcp_max_orphans": "1"},
			"net.ipv4.tcp_max_orphans is host-global on this kernel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := NewRunID()
			topo, err := Build(t.Context(), Spec{RunID: id, ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1,
				ServerSysctls: tt.srv, ClientSysctls: tt.cli})
			if err == nil {
				topo.Teardown()
				t.Fatal("Build accepted a host-global key")
			}
			if !errors.Is(err, ErrHostGlobal) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if left, _ := Leftovers(id); len(left) > 0 {
				t.Errorf("a refused Build left %v", left)
			}
		})
	}
}

func TestIsHostGlobal(t *testing.T) {
	for key, want := range map[string]bool{
		"net.ipv4.tcp_mem": true, "net.ipv4.tcp_max_orphans": true, "net.netfilter.nf_conntrack_max": true,
		"fs.file-max": true, "vm.max_map_count": true, "kernel.pid_max": true, "net.core.rmem_max": true,
		"net.core.somaxconn": false, "net.ipv4.ip_local_port_range": false, "net/ipv4/tcp_rmem": false,
		"net.core.busy_poll": true, "net.core.optmem_max": false, "net.ipv4.tcp_child_ehash_entries": true,
	} {
		if got := IsHostGlobal(key); got != want {
			t.Errorf("IsHostGlobal(%s) = %v, want %v", key, got, want)
		}
	}
}

// TestHostGlobalProbe checks the fallback for keys the scope table does
// not know (the table itself is checked against the kernel by
// internal/sysctlscope's TestTableMatchesKernel): missing or read-only in
// a fresh namespace means host-global.
func TestHostGlobalProbe(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	if !probeHostGlobal("net.core.netdev_budget") {
		t.Error("net.core.netdev_budget should probe as host-global")
	}
	if probeHostGlobal("net.ipv4.tcp_keepalive_time") {
		t.Error("net.ipv4.tcp_keepalive_time should probe as per-namespace")
	}
}
