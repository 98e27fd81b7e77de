package cgroups

import (
	"runtime"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestEnterV1MovesThreadAndBack checks on a fake v1 tree that Enter
// writes the calling thread's id to each of the group's tasks files and
// leave writes it back where the thread was.
func TestEnterV1MovesThreadAndBack(t *testing.T) {
	root := fakeTree(t, merged(fakeV1, map[string]string{
		"proc/thread-self/cgroup": "4:memory:/process_api/abc\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n",
	}))
	s, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.Create("c1m-t-srv", Limits{MemoryBytes: 1 << 20, CPUs: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Remove() })
	runtime.LockOSThread() // Enter and leave name the calling thread
	defer runtime.UnlockOSThread()
	tid := strconv.Itoa(unix.Gettid())
	leave, err := g.Enter(&syscall.SysProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{
		"sys/fs/cgroup/memory/process_api/abc/c1m-t-srv/tasks", "sys/fs/cgroup/cpu/c1m-t-srv/tasks", "sys/fs/cgroup/cpuacct/c1m-t-srv/tasks",
	} {
		if got := readTree(t, root, f); got != tid {
			t.Errorf("%s = %q, want this thread %s", f, got, tid)
		}
	}
	if err := leave(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sys/fs/cgroup/memory/process_api/abc/tasks", "sys/fs/cgroup/cpu/tasks", "sys/fs/cgroup/cpuacct/tasks"} {
		if got := readTree(t, root, f); got != tid {
			t.Errorf("%s = %q, want this thread %s back", f, got, tid)
		}
	}
	if got := readTree(t, root, "sys/fs/cgroup/cpuset/tasks"); got != "<missing>" {
		t.Errorf("the thread was moved in cpuset, which the group does not use: %q", got)
	}
}

// TestEnterV2SetsCgroupFD checks that on v2 Enter moves nothing and hands
// the fork a descriptor of the group, which leave closes and clears.
func TestEnterV2SetsCgroupFD(t *testing.T) {
	root := fakeTree(t, fakeV2)
	s, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.Create("c1m-t-srv", Limits{MemoryBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Remove() })
	attr := &syscall.SysProcAttr{}
	leave, err := g.Enter(attr)
	if err != nil {
		t.Fatal(err)
	}
	if !attr.UseCgroupFD || attr.CgroupFD <= 0 {
		t.Fatalf("Enter set UseCgroupFD=%v CgroupFD=%d", attr.UseCgroupFD, attr.CgroupFD)
	}
	fd := attr.CgroupFD
	if got, _ := readlinkFD(fd); got != g.Paths()[0] {
		t.Errorf("CgroupFD points at %q, want %q", got, g.Paths()[0])
	}
	if err := leave(); err != nil {
		t.Fatal(err)
	}
	if attr.UseCgroupFD || attr.CgroupFD != 0 {
		t.Errorf("after leave UseCgroupFD=%v CgroupFD=%d", attr.UseCgroupFD, attr.CgroupFD)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
		t.Errorf("fd %d is still open after leave", fd)
	}
	if got := readTree(t, root, "sys/fs/cgroup/user.slice/x.scope/c1m-t-srv/cgroup.procs"); got != "<missing>" {
		t.Errorf("v2 Enter wrote cgroup.procs: %q", got)
	}
}

// readlinkFD is the path behind an open descriptor.
func readlinkFD(fd int) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Readlink("/proc/self/fd/"+strconv.Itoa(fd), buf)
	return string(buf[:max(n, 0)]), err
}
