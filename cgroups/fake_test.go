package cgroups

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeTree writes files (path relative to a fresh root -> content) and
// returns the root; a path ending in "/" is made as a directory.
func fakeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if p[len(p)-1] == '/' {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	useFakeRmdir(t)
	return root
}

// useFakeRmdir lets Remove work on a fake tree, where a group's
// directory holds the plain files Create wrote (cgroupfs has none to
// remove).
func useFakeRmdir(t *testing.T) {
	old := rmdir
	rmdir = func(dir string) error {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !e.IsDir() {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
		return unix.Rmdir(dir)
	}
	t.Cleanup(func() { rmdir = old })
}

// readTree returns the content of the file p under root, "<missing>"
// when there is nothing at p, or "<dir>".
func readTree(t *testing.T, root, p string) string {
	t.Helper()
	full := filepath.Join(root, p)
	if st, err := os.Stat(full); os.IsNotExist(err) {
		return "<missing>"
	} else if err == nil && st.IsDir() {
		return "<dir>"
	}
	b, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A v2 host: one unified hierarchy, our cgroup a delegated scope whose
// controllers are enabled for its children already (as after Delegate).
var fakeV2 = merged(fakeV2Scope, map[string]string{
	"sys/fs/cgroup/user.slice/x.scope/cgroup.subtree_control": "cpuset cpu memory\n",
})

// fakeV2Scope is fakeV2 before Delegate: nothing enabled in the scope's
// cgroup.subtree_control, and this test process alone in the scope.
var fakeV2Scope = map[string]string{
	"proc/self/cgroup":    "0::/user.slice/x.scope\n",
	"proc/self/mountinfo": "22 1 0:21 / /sys rw - sysfs sysfs rw\n30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev - cgroup2 cgroup2 rw,nsdelegate\n",
	"sys/fs/cgroup/user.slice/x.scope/cgroup.controllers":     "cpuset cpu io memory pids\n",
	"sys/fs/cgroup/user.slice/x.scope/cgroup.type":            "domain\n",
	"sys/fs/cgroup/user.slice/x.scope/cgroup.subtree_control": "\n",
	"sys/fs/cgroup/user.slice/x.scope/cgroup.procs":           ourPid + "\n",
}

// ourPid is this test process, as cgroup.procs lists it.
var ourPid = strconv.Itoa(os.Getpid())

// A v2 host seen from its root cgroup, which has no cgroup.type.
var fakeV2Root = map[string]string{
	"proc/self/cgroup":                     "0::/\n",
	"proc/self/mountinfo":                  fakeV2Scope["proc/self/mountinfo"],
	"sys/fs/cgroup/cgroup.controllers":     "cpuset cpu io memory pids\n",
	"sys/fs/cgroup/cgroup.subtree_control": "\n",
}

// A v1 host shaped like this project's machines: memory in a cgroup of
// its own, cpu, cpuacct and cpuset at the root, each mounted apart, and
// an empty unified hierarchy beside them.
var fakeV1 = map[string]string{
	"proc/self/cgroup": "9:name=systemd:/\n4:memory:/process_api/abc\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n",
	"proc/self/mountinfo": "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" +
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
		"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n" +
		"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n" +
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
		"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n" +
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
	"sys/fs/cgroup/memory/process_api/abc/": "",
	"sys/fs/cgroup/cpu/":                    "",
	"sys/fs/cgroup/cpuacct/":                "",
	"sys/fs/cgroup/cpuset/cpuset.mems":      "0\n",
	"sys/fs/cgroup/cpuset/cpuset.cpus":      "0-1\n",
}

// merged returns base with extra added (extra wins).
func merged(base, extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// recordWrites logs every cgroup file write and removal as "write
// <path under root> <value>" or "rmdir <path under root>", in order.
func recordWrites(t *testing.T, root string) *[]string {
	t.Helper()
	var log []string
	rel := func(p string) string { r, _ := filepath.Rel(root, p); return r }
	oldWrite, oldRmdir := write, rmdir
	write = func(p, v string) error {
		log = append(log, "write "+rel(p)+" "+v)
		return oldWrite(p, v)
	}
	rmdir = func(dir string) error {
		log = append(log, "rmdir "+rel(dir))
		return oldRmdir(dir)
	}
	t.Cleanup(func() { write, rmdir = oldWrite, oldRmdir })
	return &log
}
