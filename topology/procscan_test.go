package topology

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestReadProcessSelf: this process reads back as itself.
func TestReadProcessSelf(t *testing.T) {
	p, err := ReadProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if p.PPID != os.Getppid() || p.RSSBytes <= 0 || p.Start == 0 {
		t.Errorf("ReadProcess(self) = %+v; want ppid %d and some resident memory", p, os.Getppid())
	}
	if _, err := ReadProcess(1 << 30); err == nil {
		t.Errorf("ReadProcess of a pid that cannot exist succeeded")
	}
	if pids := AllPIDs(); !slices.Contains(pids, os.Getpid()) {
		t.Errorf("AllPIDs does not list this process")
	}
}

// TestProcessesInFollowsDaemons: a process that left its parent's group
// and session is still found in its namespace, and nothing of the host's.
func TestProcessesInFollowsDaemons(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})
	pid := startDaemon(t, topo.Server.Name, daemon)
	var found map[int]NSProcess
	for range 50 { // the daemon's sh may still be exiting
		found = ProcessesIn([]string{topo.Server.Name, topo.Clients[0].Name})
		if len(found) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p := found[pid]; len(found) != 1 || p.Namespace != topo.Server.Name || p.Comm != "sleep" || p.RSSBytes <= 0 {
		t.Errorf("ProcessesIn = %v; want only the daemon %d in %s", found, pid, topo.Server.Name)
	}
	topo.KillGrace = 500 * time.Millisecond
	if err := topo.Teardown(); err != nil {
		t.Fatal(err)
	}
	if got := ProcessesIn([]string{topo.Server.Name}); len(got) != 0 {
		t.Errorf("ProcessesIn after teardown = %v", got)
	}
	assertNothingLeft(t, topo.RunID)
}
