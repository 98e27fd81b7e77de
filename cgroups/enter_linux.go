package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Enter places the next child forked by the calling thread into g, before
// the child runs anything; it is what topology.StartIn calls on its
// locked spawner thread right before the fork, and leave right after.
//
// On v2 it sets attr.UseCgroupFD and attr.CgroupFD (clone3 with
// CLONE_INTO_CGROUP, Linux 5.7 on) and moves nothing; leave closes the fd
// and clears both fields. On v1 it moves the calling thread alone
// (unix.Gettid, written to each hierarchy's tasks file) into the group;
// leave moves it back to the cgroups it came from. A leave that fails
// leaves the thread in the group: the caller must not use that thread
// again. When Enter fails it returns a nil leave if the thread is back
// where it was, or else a leave that tries once more.
func (g *Group) Enter(attr *syscall.SysProcAttr) (leave func() error, err error) {
	if g.version == V2 {
		return g.enterV2(attr)
	}
	return g.enterV1()
}

// enterV2 opens the group's directory for clone3.
func (g *Group) enterV2(attr *syscall.SysProcAttr) (func() error, error) {
	if attr == nil {
		return nil, errors.New("failed to fork into a cgroup: the command has no SysProcAttr to carry the cgroup")
	}
	fd, err := unix.Open(g.paths[0], unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("failed to open cgroup %s: %w", g.paths[0], err)
	}
	attr.UseCgroupFD, attr.CgroupFD = true, fd
	return func() error {
		attr.UseCgroupFD, attr.CgroupFD = false, 0
		return unix.Close(fd)
	}, nil
}

// enterV1 moves the calling thread into each of the group's directories,
// remembering where it was; on failure it moves back what it moved.
func (g *Group) enterV1() (func() error, error) {
	tid := strconv.Itoa(unix.Gettid())
	text, err := readSmall(filepath.Join(g.root, "/proc/thread-self/cgroup"))
	if err != nil {
		return nil, fmt.Errorf("failed to read this thread's cgroups: %w", err)
	}
	var homes []string
	for _, h := range g.hiers {
		home := threadDir(text, h)
		if home == "" {
			return nil, fmt.Errorf("failed to find this thread's cgroup under %s", h.mount)
		}
		homes = append(homes, home)
	}
	back := func(n int) error {
		var errs []error
		for i := n - 1; i >= 0; i-- {
			errs = append(errs, writeFile(homes[i], "tasks", tid))
		}
		return errors.Join(errs...)
	}
	for i, dir := range g.paths {
		if err := writeFile(dir, "tasks", tid); err != nil {
			err = fmt.Errorf("failed to move the spawning thread into cgroup %s: %w", g.name, err)
			if berr := back(i); berr != nil {
				return func() error { return back(i) }, errors.Join(err, berr)
			}
			return nil, err
		}
	}
	return func() error { return back(len(g.paths)) }, nil
}

// threadDir finds, in a /proc/<pid>/task/<tid>/cgroup text, the
// directory of the thread's cgroup in hierarchy h, or "".
func threadDir(text string, h *hierarchy) string {
	for _, line := range strings.Split(text, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && slices.Equal(strings.Split(parts[1], ","), h.ctls) {
			return h.dirOf(parts[2])
		}
	}
	return ""
}
