package topology

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

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
	} {
		if got := IsHostGlobal(key); got != want {
			t.Errorf("IsHostGlobal(%s) = %v, want %v", key, got, want)
		}
	}
}

// TestHostGlobalTableMatchesKernel repeats the experiment behind the
// table: in a fresh namespace a host-global key is missing or read-only,
// a per-namespace key is there and writable.
func TestHostGlobalTableMatchesKernel(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	err := onThrowawayThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return err
		}
		for key, global := range sysctlScope {
			if _, err := os.Stat(sysctlPath(key)); err != nil {
				if !global {
					t.Errorf("%s is missing in a fresh namespace but the table says per-namespace", key)
				}
				continue
			}
			fi, _ := os.Stat(sysctlPath(key))
			if gotGlobal := fi.Mode().Perm()&0o222 == 0; gotGlobal != global {
				t.Errorf("%s: read-only in a fresh namespace = %v, table says host-global = %v", key, gotGlobal, global)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A key the table does not know is probed the same way.
	if !probeHostGlobal("net.core.netdev_budget") {
		t.Error("net.core.netdev_budget should probe as host-global")
	}
	if probeHostGlobal("net.ipv4.tcp_keepalive_time") {
		t.Error("net.ipv4.tcp_keepalive_time should probe as per-namespace")
	}
}
