package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Group is one cgroup made by Create: a directory per hierarchy on v1,
// one directory on v2.
type Group struct {
	name    string
	version int
	root    string
	dirs    map[string]string // controller -> the group's directory
	paths   []string          // every directory made, in order
	hiers   []*hierarchy      // the hierarchy of each path
}

// Name is the name the group was created with.
func (g *Group) Name() string { return g.name }

// Paths lists every directory made for the group.
func (g *Group) Paths() []string { return slices.Clone(g.paths) }

// mkdir makes the group's directory under our own cgroup in h.
func (g *Group) mkdir(h *hierarchy) (string, error) {
	dir := filepath.Join(h.own, g.name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("cgroup %s exists already: another run uses this name, or a crashed one left it (run `c1m-testbed clean`)", dir)
		}
		return "", fmt.Errorf("failed to make cgroup %s: %w", dir, err)
	}
	g.paths = append(g.paths, dir)
	g.hiers = append(g.hiers, h)
	return dir, nil
}

// made reports whether dir is one of the group's directories.
func (g *Group) made(dir string) bool { return slices.Contains(g.paths, dir) }

// Remove removes every directory of the group, waiting up to about two
// seconds while the kernel still lists exiting tasks. It moves nothing:
// the group's processes must have ended. Removing twice is not an error.
func (g *Group) Remove() error {
	var errs []error
	for i := len(g.paths) - 1; i >= 0; i-- {
		errs = append(errs, removeDir(g.paths[i], removeWait))
	}
	return errors.Join(errs...)
}

// removeWait is how long a removal waits for tasks that are exiting.
const removeWait = 2 * time.Second

// rmdir removes one directory; tests of fake trees replace it, since a
// plain directory holds the limit files Create wrote.
var rmdir = unix.Rmdir

// removeDir removes one cgroup directory; "not found" counts as done.
// While the kernel refuses (EBUSY: tasks, or child groups) it retries
// for up to wait, then names the tasks still there.
func removeDir(dir string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := rmdir(dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			if pids := tasksIn(dir); len(pids) > 0 {
				return fmt.Errorf("failed to remove cgroup %s: tasks %s are still in it and must end first (nothing is moved out): %w",
					dir, strings.Join(pids, ", "), err)
			}
			return fmt.Errorf("failed to remove cgroup %s (does it hold a group of its own?): %w", dir, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tasksIn lists the tasks the kernel shows in dir (v1 tasks, which names
// threads too, or v2 cgroup.threads).
func tasksIn(dir string) []string {
	for _, f := range []string{"tasks", "cgroup.threads", "cgroup.procs"} {
		if text, err := readSmall(filepath.Join(dir, f)); err == nil {
			return strings.Fields(text)
		}
	}
	return nil
}

// Leftovers lists every directory whose name starts with prefix directly
// under our own cgroup, in every hierarchy: "c1m-" for clean, a run's
// prefix for one run.
func Leftovers(s *System, prefix string) ([]string, error) {
	if prefix == "" {
		return nil, errors.New("an empty prefix would match every cgroup next to ours: give a run's prefix")
	}
	var out []string
	for _, h := range s.hierarchies() {
		entries, err := os.ReadDir(h.own)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("failed to list cgroups under %s: %w", h.own, err)
		}
		for _, e := range entries {
			if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
				out = append(out, filepath.Join(h.own, e.Name()))
			}
		}
	}
	return out, nil
}

// RemoveDirs removes each directory (as listed by Leftovers). It moves
// nothing: a directory whose tasks have not ended is reported with their
// ids, and the others are still removed.
func RemoveDirs(dirs []string) error {
	var errs []error
	for _, d := range dirs {
		errs = append(errs, removeDir(d, removeWait))
	}
	return errors.Join(errs...)
}

// Kill sends SIGKILL to every process still in the group (its cgroup.procs
// or tasks, in each of its directories) and returns how many it signalled:
// a role's processes that outlived the end of their namespaces (one that
// left them) would otherwise keep the group, and lose its limits once the
// controllers are given back. Only processes inside the group are signalled.
func (g *Group) Kill() int {
	n := 0
	for _, dir := range g.paths {
		for _, f := range tasksIn(dir) {
			pid, err := strconv.Atoi(f)
			if err != nil || pid <= 0 || pid == os.Getpid() {
				continue
			}
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
	}
	return n
}
