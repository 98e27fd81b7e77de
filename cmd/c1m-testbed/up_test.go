package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// TestUpExecDown brings byo-server up with its clients, looks inside the
// server namespace with exec, checks status, takes it down, and checks
// that nothing is left and the host's settings read as before.
func TestUpExecDown(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	testExamples(t)
	keys := []string{"fs.file-max", "net.ipv4.tcp_mem", "net.core.somaxconn", "net.ipv4.ip_local_port_range"}
	before := readHostSysctls(keys)

	code, out := runBinary(t, "up", "byo-server", "--scale", "0.05", "--clients")
	t.Logf("up:\n%s", out)
	m := regexp.MustCompile(`lab ([a-z0-9]{6}) starting`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("up did not name its lab (exit status %d)", code)
	}
	id := m[1]
	t.Cleanup(func() { // should the test fail half way: take the lab down
		if _, err := os.Stat(topology.RunDir + "/" + id); err == nil {
			runBinary(t, "down", id)
		}
		assertNoNamespaces(t, id)
	})
	if code != exitOK {
		t.Fatalf("up: exit status %d", code)
	}

	code, snmp := runBinary(t, "exec", "--run", id, "srv", "--", "cat", "/proc/net/snmp")
	if code != 0 {
		t.Fatalf("exec srv: exit status %d: %s", code, snmp)
	}
	if est := currEstab(snmp); est != 1000 {
		t.Errorf("CurrEstab in the server namespace = %d, want 1000 (the clients' connections)", est)
	}
	if code, _ := runBinary(t, "exec", "--run", id, "c1", "--", "sh", "-c", "exit 7"); code != 7 {
		t.Errorf("exec's exit status %d, want the command's 7", code)
	}
	code, st := runBinary(t, "status")
	if code != 0 || !strings.Contains(st, "lab "+id) || !strings.Contains(st, "c1m-"+id+"-srv") {
		t.Errorf("status (exit %d) does not show lab %s:\n%s", code, id, st)
	}
	// The server role's processes, each with its memory: byo-server runs 2 goservers.
	if n := strings.Count(st, " goserver "); n != 2 || !strings.Contains(st, "server processes") || !strings.Contains(st, "total (2)") {
		t.Errorf("status lists %d goserver processes, want both with their total:\n%s", n, st)
	}

	code, down := runBinary(t, "down", id)
	t.Logf("down:\n%s", down)
	if code != exitOK || !strings.Contains(down, "nothing left behind") {
		t.Errorf("down: exit status %d", code)
	}
	left, err := topology.Leftovers(id)
	if err != nil || len(left) > 0 {
		t.Errorf("leftovers of lab %s: %v %v", id, left, err)
	}
	after := readHostSysctls(keys)
	for _, k := range keys {
		if before[k] != after[k] {
			t.Errorf("%s was %q before the lab, %q after", k, before[k], after[k])
		}
	}
}

// currEstab finds Tcp: CurrEstab in /proc/net/snmp's text.
func currEstab(snmp string) int {
	var names []string
	for _, line := range strings.Split(snmp, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Tcp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == "CurrEstab" && i < len(f) {
				v := 0
				for _, c := range f[i] {
					v = v*10 + int(c-'0')
				}
				return v
			}
		}
	}
	return -1
}

func readHostSysctls(keys []string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		b, _ := os.ReadFile("/proc/sys/" + strings.ReplaceAll(k, ".", "/"))
		m[k] = strings.Join(strings.Fields(string(b)), " ")
	}
	return m
}
