package cgroups_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/cgroups"
	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// rootSystem skips unless root on a host with the controllers l needs,
// delegates them (on v2), and returns the real layout and a prefix of
// the test's own; at the end it undoes the delegation and checks that no
// cgroup with that prefix is left.
func rootSystem(t *testing.T, l cgroups.Limits) (*cgroups.System, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: this test makes real cgroups and needs root (run: sudo go test ./cgroups/)")
	}
	s, err := cgroups.Detect()
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	if err := s.Available(l); err != nil {
		t.Skipf("skipping: %v", err)
	}
	prefix := "c1m-t" + topology.NewRunID()[:5] + "-"
	t.Cleanup(func() {
		left, err := cgroups.Leftovers(s, prefix)
		if err != nil {
			t.Errorf("Leftovers: %v", err)
		}
		if len(left) > 0 {
			t.Errorf("the test left %v", left)
			cgroups.RemoveDirs(left)
		}
	})
	d, err := s.Delegate(prefix+"self", l)
	if err != nil {
		t.Fatalf("Delegate: %v", err)
	}
	t.Cleanup(func() { // before the check above, after the groups' removal
		if err := d.Undo(); err != nil {
			t.Errorf("Undo: %v", err)
		}
	})
	return s, prefix
}

// namespaceForTest builds a one-client topology to start children in,
// and tears it down at the end of the test.
func namespaceForTest(t *testing.T) string {
	t.Helper()
	hostlock.Shared(t)
	topo, err := topology.Build(t.Context(), topology.Spec{RunID: topology.NewRunID(), ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	t.Cleanup(func() {
		if err := topo.Teardown(); err != nil {
			t.Errorf("Teardown: %v", err)
		}
	})
	return topo.Server.Name
}

// createForTest creates a group removed at the end of the test.
func createForTest(t *testing.T, s *cgroups.System, name string, l cgroups.Limits) *cgroups.Group {
	t.Helper()
	g, err := s.Create(name, l)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() {
		if err := g.Remove(); err != nil {
			t.Errorf("Remove: %v", err)
		}
	})
	return g
}

// startForTest starts cmd in ns inside g and kills it at the end of the
// test, if the test has not waited for it.
func startForTest(t *testing.T, ns string, g *cgroups.Group, cmd *exec.Cmd) {
	t.Helper()
	if err := topology.StartIn(ns, cmd, topology.InCgroup(g)); err != nil {
		t.Fatalf("StartIn: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
		}
	})
}

// cgroupLines maps each hierarchy's controllers to the cgroup path a
// /proc/.../cgroup file shows.
func cgroupLines(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if parts := strings.SplitN(line, ":", 3); len(parts) == 3 {
			out[parts[1]] = parts[2]
		}
	}
	return out
}

// TestGroupStartInRealCgroup forks `sleep` straight into a limited group
// through topology.StartIn and checks where the child and our own
// threads are, the stats, and that nothing is left.
func TestGroupStartInRealCgroup(t *testing.T) {
	l := cgroups.Limits{MemoryBytes: 64 << 20, CPUs: 0.5, CPUSet: "0"}
	s, prefix := rootSystem(t, l)
	ns := namespaceForTest(t)
	g := createForTest(t, s, prefix+"srv", l)

	cmd := exec.Command("sleep", "5")
	startForTest(t, ns, g, cmd)
	child := cgroupLines(t, "/proc/"+strconv.Itoa(cmd.Process.Pid)+"/cgroup")
	ctls := []string{"memory", "cpu", "cpuset"}
	if s.Version() == cgroups.V2 {
		ctls = []string{""}
	}
	for _, c := range ctls {
		found := false
		for k, p := range child {
			if namesController(k, c) {
				found = true
				if filepath.Base(p) != g.Name() {
					t.Errorf("child's %s cgroup is %s, want the group %s", c, p, g.Name())
				}
			}
		}
		if !found {
			t.Errorf("child's /proc/pid/cgroup has no %q line: %v", c, child)
		}
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/cgroup")
	for _, f := range tasks {
		for k, p := range cgroupLines(t, f) {
			if filepath.Base(p) == g.Name() {
				t.Errorf("thread %s of the test is still in the group (%s:%s)", filepath.Base(filepath.Dir(f)), k, p)
			}
		}
	}

	st, err := g.Stats()
	if err != nil {
		t.Errorf("Stats: %v", err)
	}
	t.Logf("stats of a sleeping child: %+v", st)
	if st.Has&cgroups.HasMemory == 0 || st.Has&cgroups.HasThrottling == 0 {
		t.Errorf("Stats has %b, want at least memory and cpu throttling", st.Has)
	}
	if st.MemoryBytes <= 0 {
		t.Errorf("MemoryBytes = %d with a process inside", st.MemoryBytes)
	}

	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	if err := g.Remove(); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	for _, p := range g.Paths() {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after Remove, %s: %v", p, err)
		}
	}
	if left, err := cgroups.Leftovers(s, prefix); err != nil || len(left) > 0 {
		t.Errorf("Leftovers after Remove = %v, %v", left, err)
	}
}

// namesController reports whether the controller list k of a /proc cgroup line
// names c ("" for the v2 line).
func namesController(k, c string) bool {
	if c == "" {
		return k == ""
	}
	for _, x := range strings.Split(k, ",") {
		if x == c {
			return true
		}
	}
	return false
}

// TestGroupOOMKill runs a child that needs 100 MB in a 32 MiB group: the
// kernel must kill it and the group's stats must count the kill.
func TestGroupOOMKill(t *testing.T) {
	l := cgroups.Limits{MemoryBytes: 32 << 20}
	s, prefix := rootSystem(t, l)
	ns := namespaceForTest(t)
	g := createForTest(t, s, prefix+"oom", l)

	cmd := exec.Command("/bin/sh", "-c", `x=$(head -c 100000000 /dev/zero | tr '\0' a); sleep 1`)
	startForTest(t, ns, g, cmd)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("child ended with %v, want killed by SIGKILL", err)
	}
	st, err := g.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	t.Logf("stats after the OOM kill: %+v", st)
	if st.Has&cgroups.HasOOMKills == 0 || st.OOMKills < 1 {
		t.Errorf("OOMKills = %d (has: %v), want at least 1", st.OOMKills, st.Has&cgroups.HasOOMKills != 0)
	}
	if st.MemoryPeak < 16<<20 {
		t.Errorf("MemoryPeak = %d, want near the 32 MiB limit", st.MemoryPeak)
	}
}
