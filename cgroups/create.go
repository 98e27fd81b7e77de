package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotDelegated is returned on cgroup v2 when the controllers are not
// enabled for groups under our own cgroup and cannot be: other processes
// share our cgroup (Available, Delegate), or Delegate was not called
// (Create).
var ErrNotDelegated = errors.New("cgroup v2 cannot enable the controllers for groups under our cgroup")

// limitNames names, for each controller, the limit that needs it.
var limitNames = map[string]string{memoryCtl: "memory", cpuCtl: "cpus", cpusetCtl: "cpuset"}

// Available reports whether every controller l needs can be used here,
// and if not names the first missing one and what to do about it. On v2
// it also refuses, with ErrNotDelegated, when those controllers are not
// enabled yet and other processes share our cgroup, the case Delegate
// refuses: a caller checks before it changes anything.
func (s *System) Available(l Limits) error {
	if err := l.check(); err != nil {
		return err
	}
	for _, c := range l.controllers() {
		if s.OwnDir(c) != "" {
			continue
		}
		if s.version == V1 {
			return fmt.Errorf("the %s limit needs the cgroup v1 %s controller, which is not mounted here: mount it (mount -t cgroup -o %s cgroup /sys/fs/cgroup/%s) or drop the limit",
				limitNames[c], c, c, c)
		}
		return fmt.Errorf("the %s limit needs the cgroup v2 %s controller, which our cgroup %s does not offer (its cgroup.controllers: %q): have it delegated (run under `systemd-run --scope -p Delegate=yes`) or drop the limit",
			limitNames[c], c, s.v2.own, strings.Join(s.v2ctls, " "))
	}
	if s.version == V2 && !s.v2Root() && len(s.notEnabled(l)) > 0 {
		others, err := othersIn(s.v2.own, strconv.Itoa(os.Getpid()))
		if err != nil {
			return err
		}
		if others > 0 {
			return notDelegated(s.v2.own, others)
		}
	}
	return nil
}

// Create makes cgroup name under our own cgroup in each controller l
// needs, writes the limits and returns the group. On v2 those
// controllers must be enabled in our cgroup's cgroup.subtree_control
// already (Delegate does that), else it returns ErrNotDelegated; at the
// root cgroup, exempt from the no-internal-process rule, it enables them
// itself and leaves them enabled. It moves no process. On any error it
// removes what it made. A name that exists already is refused (a live
// run, or a crashed one `clean` has not removed).
func (s *System) Create(name string, l Limits) (*Group, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := s.Available(l); err != nil {
		return nil, err
	}
	g := &Group{name: name, version: s.version, root: s.root, dirs: map[string]string{}}
	var err error
	if s.version == V2 {
		err = s.createV2(g, l)
	} else {
		err = s.createV1(g, l)
	}
	if err != nil {
		if rerr := g.Remove(); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return nil, fmt.Errorf("failed to create cgroup %s: %w", name, err)
	}
	return g, nil
}

// createV2 checks (at the root: enables) the controllers, makes the one
// directory and writes the limits.
func (s *System) createV2(g *Group, l Limits) error {
	ctls := l.controllers()
	if missing := s.notEnabled(l); len(missing) > 0 {
		if !s.v2Root() {
			return fmt.Errorf("%w: controllers %s are not enabled in %s (Delegate enables them); run c1m-testbed as the only process of a delegated cgroup, e.g. `systemd-run --scope -p Delegate=yes c1m-testbed run …`",
				ErrNotDelegated, strings.Join(missing, ", "), filepath.Join(s.v2.own, "cgroup.subtree_control"))
		}
		if err := writeFile(s.v2.own, "cgroup.subtree_control", "+"+strings.Join(missing, " +")); err != nil {
			if errors.Is(err, syscall.EBUSY) {
				return fmt.Errorf("%w: %w; run c1m-testbed in a delegated cgroup of its own, e.g. `systemd-run --scope -p Delegate=yes c1m-testbed run …`", ErrNotDelegated, err)
			}
			return err
		}
	}
	dir, err := g.mkdir(s.v2)
	if err != nil {
		return err
	}
	for _, c := range ctls {
		g.dirs[c] = dir
	}
	g.dirs[cpuacctCtl] = dir // cpu.stat's usage_usec needs no controller
	if l.MemoryBytes > 0 {
		if err := writeFile(dir, "memory.max", strconv.FormatInt(l.MemoryBytes, 10)); err != nil {
			return err
		}
	}
	if l.CPUs > 0 {
		if err := writeFile(dir, "cpu.max", fmt.Sprintf("%d %d", l.quotaUs(), periodUs)); err != nil {
			return err
		}
	}
	if l.CPUSet != "" {
		return writeCPUs(dir, l.CPUSet)
	}
	return nil
}

// createV1 makes one directory per hierarchy l needs and writes the
// limits; cpuacct comes along with cpu when mounted apart, for CPU time.
func (s *System) createV1(g *Group, l Limits) error {
	ctls := l.controllers()
	if l.CPUs > 0 && s.v1[cpuacctCtl] != nil {
		ctls = append(ctls, cpuacctCtl)
	}
	for _, c := range ctls {
		h := s.v1[c]
		dir := filepath.Join(h.own, g.name)
		if !g.made(dir) {
			var err error
			if dir, err = g.mkdir(h); err != nil {
				return err
			}
		}
		g.dirs[c] = dir
	}
	if l.MemoryBytes > 0 {
		v := strconv.FormatInt(l.MemoryBytes, 10)
		if err := writeFile(g.dirs[memoryCtl], "memory.limit_in_bytes", v); err != nil {
			return err
		}
		if err := writeFile(g.dirs[memoryCtl], "memory.kmem.tcp.limit_in_bytes", v); err != nil {
			return fmt.Errorf("%w (v1 accounts socket buffers only there)", err)
		}
	}
	if l.CPUs > 0 {
		if err := writeFile(g.dirs[cpuCtl], "cpu.cfs_period_us", strconv.Itoa(periodUs)); err != nil {
			return err
		}
		if err := writeFile(g.dirs[cpuCtl], "cpu.cfs_quota_us", strconv.FormatInt(l.quotaUs(), 10)); err != nil {
			return err
		}
	}
	if l.CPUSet != "" {
		mems, err := readSmall(filepath.Join(s.v1[cpusetCtl].own, "cpuset.mems"))
		if err != nil {
			return fmt.Errorf("failed to read the memory nodes of our cpuset: %w", err)
		}
		if err := writeFile(g.dirs[cpusetCtl], "cpuset.mems", strings.TrimSpace(mems)); err != nil {
			return err
		}
		return writeCPUs(g.dirs[cpusetCtl], l.CPUSet)
	}
	return nil
}

// writeCPUs writes cpuset.cpus, explaining the kernel's EINVAL.
func writeCPUs(dir, cpus string) error {
	err := writeFile(dir, "cpuset.cpus", cpus)
	if errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("%w: cpuset %q must be CPUs our own cgroup may use (see its cpuset.cpus.effective or cpuset.effective_cpus)", err, cpus)
	}
	return err
}

// writeFile writes value to dir/file in one write, as cgroup files want.
func writeFile(dir, file, value string) error {
	p := filepath.Join(dir, file)
	if err := write(p, value); err != nil {
		return fmt.Errorf("failed to write %q to %s: %w", value, p, err)
	}
	return nil
}

// write is writeFile's one write; tests of fake trees wrap it to see
// the order of the writes, which plain files cannot show.
var write = func(path, value string) error { return os.WriteFile(path, []byte(value), 0o644) }
