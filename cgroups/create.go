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

// ErrNotDelegated is returned by Create on cgroup v2 when our own cgroup
// holds processes and so cannot hand controllers down to a child.
var ErrNotDelegated = errors.New("our cgroup holds processes, so cgroup v2 cannot enable controllers for a child group")

// limitNames names, for each controller, the limit that needs it.
var limitNames = map[string]string{memoryCtl: "memory", cpuCtl: "cpus", cpusetCtl: "cpuset"}

// Available reports whether every controller l needs can be used here,
// and if not names the first missing one and what to do about it.
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
	return nil
}

// Create makes cgroup name under our own cgroup in each controller l
// needs, writes the limits and returns the group. On v2 it first enables
// those controllers in our cgroup's cgroup.subtree_control (and leaves
// them enabled: other groups may use them); should that fail because our
// cgroup holds processes, it returns ErrNotDelegated and moves nothing.
// On any error it removes what it made. A name that exists already is
// refused (a live run, or a crashed one `clean` has not removed).
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

// createV2 enables the controllers, makes the one directory and writes
// the limits.
func (s *System) createV2(g *Group, l Limits) error {
	ctls := l.controllers()
	if len(ctls) > 0 {
		enable := "+" + strings.Join(ctls, " +")
		if err := writeFile(s.v2.own, "cgroup.subtree_control", enable); err != nil {
			if errors.Is(err, syscall.EBUSY) {
				return fmt.Errorf("%w: %s; run c1m-testbed in a delegated cgroup of its own, e.g. under `systemd-run --scope -p Delegate=yes`", ErrNotDelegated, err)
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
	if err := os.WriteFile(p, []byte(value), 0o644); err != nil {
		return fmt.Errorf("failed to write %q to %s: %w", value, p, err)
	}
	return nil
}
