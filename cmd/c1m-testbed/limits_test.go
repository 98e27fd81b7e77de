package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/cgroups"
	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// limitArgs runs smoke small, with every limit per role: the server on
// CPU 1 with half a core, the clients on CPU 0 in 256 MiB.
var limitArgs = []string{"--scale", "0.05", "--set", "phase.2.duration=3s",
	"--set", "server.cpu-limit=0.5", "--set", "server.cpus=1", "--set", "client.cpus=0", "--set", "client.memory-limit=256MiB"}

var runIDInName = regexp.MustCompile(`c1m-([a-z0-9]{1,6})-srv`)

// TestRoleLimitsApplied runs smoke with a CPU quota and a cpuset on the
// server and a memory limit and a cpuset on the clients, checks that a
// server worker runs in its cgroup on CPU 1 while the run holds, and that
// run.json has each role's cgroup and no cgroup is left.
func TestRoleLimitsApplied(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	if _, err := cgroups.Detect(); err != nil {
		t.Skipf("skipping: no usable cgroups here: %v", err)
	}
	out := filepath.Join(t.TempDir(), "limits")
	cmd, until, log := startWatched(t, append([]string{"run", "smoke", "--out", out, "--no-report"}, limitArgs...)...)
	id := runIDInName.FindStringSubmatch(until("the cgroup action", func(l string) bool { return runIDInName.MatchString(l) && strings.Contains(l, "cgroup") }))[1]
	until("the hold", func(l string) bool { return strings.HasPrefix(l, "phase hold-2: hold") })
	server := firstChild(t, cmd.Process.Pid)
	cg, _ := os.ReadFile("/proc/" + strconv.Itoa(server) + "/cgroup")
	if !strings.Contains(string(cg), "c1m-"+id+"-srv") {
		t.Errorf("server worker %d is not in c1m-%s-srv:\n%s", server, id, cg)
	}
	status, _ := os.ReadFile("/proc/" + strconv.Itoa(server) + "/status")
	if !regexp.MustCompile(`(?m)^Cpus_allowed_list:\s+1$`).Match(status) {
		t.Errorf("server worker %d may run on other CPUs than 1:\n%s", server, status)
	}
	until("the end", nil)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run: %v\n%s", err, tail(log.String(), 3000))
	}
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	checkPassed(t, rec, exitOK)
	assertClean(t, rec)
	byRole := map[string]*results.CgroupUsage{}
	for _, r := range rec.Roles {
		byRole[r.Role] = r.Cgroup
	}
	srv, cli := byRole["server"], byRole["client"]
	if srv == nil || srv.Name != "c1m-"+id+"-srv" || srv.CPUs != "1" || srv.CPULimit != 0.5 || srv.Periods <= 0 {
		t.Errorf("server cgroup %+v: want c1m-%s-srv, cpus 1, half a core, CFS periods counted", srv, id)
	}
	if cli == nil || cli.MemoryLimit != 256<<20 || cli.PeakMemory <= 0 || cli.CPUs != "0" || cli.OOMKills != 0 {
		t.Errorf("client cgroup %+v: want 256 MiB, memory charged, cpus 0, no kill", cli)
	}
	assertNoGroups(t, id)
}

// assertNoGroups fails for a cgroup of run id left under ours.
func assertNoGroups(t *testing.T, id string) {
	t.Helper()
	sys, err := cgroups.Detect()
	if err != nil {
		t.Fatal(err)
	}
	left, err := cgroups.Leftovers(sys, "c1m-"+id+"-")
	if err != nil || len(left) > 0 {
		t.Errorf("cgroups left: %v %v", left, err)
	}
}

// TestCleanRemovesCgroupsAfterKill kills the orchestrator of a run with
// limits by SIGKILL during its hold, then runs clean: no namespace and
// no cgroup of the run is left.
func TestCleanRemovesCgroupsAfterKill(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	if _, err := cgroups.Detect(); err != nil {
		t.Skipf("skipping: no usable cgroups here: %v", err)
	}
	out := filepath.Join(t.TempDir(), "killed")
	cmd, until, log := startWatched(t, append([]string{"run", "smoke", "--out", out, "--no-report"}, limitArgs...)...)
	id := runIDInName.FindStringSubmatch(until("the cgroup action", func(l string) bool { return runIDInName.MatchString(l) && strings.Contains(l, "cgroup") }))[1]
	until("the hold", func(l string) bool { return strings.HasPrefix(l, "phase hold-2: hold") })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	code, cleaned := runBinary(t, "clean")
	t.Logf("clean:\n%s", cleaned)
	if code != exitOK || !strings.Contains(cleaned, "c1m-"+id+"-srv") || !strings.Contains(cleaned, "removed cgroup") {
		t.Errorf("clean: exit %d, want it to remove the run's cgroups\n%s\n%s", code, cleaned, tail(log.String(), 1000))
	}
	assertNoNamespaces(t, id)
	assertNoGroups(t, id)
}
