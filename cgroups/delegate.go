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
)

// Delegation is what Delegate changed in our own v2 cgroup, for Undo.
// The zero value (nothing changed) is what Delegate returns on v1, at
// the root cgroup, or when the controllers were enabled already.
type Delegation struct {
	own     string   // our own cgroup's directory
	leaf    string   // the leaf this process moved into ("": none)
	pid     string   // this process
	enabled []string // the controllers enabled in own's cgroup.subtree_control
	undone  bool
}

// Leaf is the directory of the leaf cgroup this process moved into, or
// "" when Delegate moved nothing.
func (d *Delegation) Leaf() string {
	if d == nil {
		return ""
	}
	return d.leaf
}

// Delegate makes the controllers l needs usable by groups under our own
// cgroup on v2, which the kernel allows only while that cgroup holds no
// process (the no-internal-process rule; the root cgroup is exempt).
// When they are not enabled yet and our cgroup holds this process alone,
// it makes the leaf selfName under our cgroup, moves this process (all
// its threads) into it, then enables the controllers in our cgroup's
// cgroup.subtree_control: the steps a delegated systemd scope expects
// of its payload. Any other process in our cgroup is left where it is,
// and Delegate refuses with ErrNotDelegated. On v1, at the root cgroup,
// or with the controllers enabled already it changes nothing. The caller
// calls it once before Create, and Undo after removing the groups.
func (s *System) Delegate(selfName string, l Limits) (*Delegation, error) {
	if err := checkName(selfName); err != nil {
		return nil, err
	}
	if err := s.Available(l); err != nil {
		return nil, err
	}
	if s.version != V2 || s.v2Root() {
		return &Delegation{}, nil
	}
	missing := s.notEnabled(l)
	if len(missing) == 0 {
		return &Delegation{}, nil
	}
	// Available has refused already when another process shares our cgroup.
	pid := strconv.Itoa(os.Getpid())
	leaf := filepath.Join(s.v2.own, selfName)
	if err := os.Mkdir(leaf, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("cgroup %s exists already: another run uses this name, or a crashed one left it (run `c1m-testbed clean`)", leaf)
		}
		return nil, fmt.Errorf("failed to make cgroup %s for c1m-testbed itself: %w", leaf, err)
	}
	d := &Delegation{own: s.v2.own, leaf: leaf, pid: pid}
	if err := writeFile(leaf, "cgroup.procs", pid); err != nil {
		err = fmt.Errorf("failed to move c1m-testbed into cgroup %s: %w", leaf, err)
		return nil, errors.Join(err, removeDir(leaf, removeWait))
	}
	if err := writeFile(s.v2.own, "cgroup.subtree_control", "+"+strings.Join(missing, " +")); err != nil {
		if errors.Is(err, syscall.EBUSY) {
			err = fmt.Errorf("%w: %w (a process joined our cgroup %s meanwhile); run c1m-testbed as the only process of a delegated cgroup, e.g. `systemd-run --scope -p Delegate=yes c1m-testbed run …`",
				ErrNotDelegated, err, s.v2.own)
		}
		return nil, errors.Join(err, d.Undo())
	}
	d.enabled = missing
	return d, nil
}

// Undo reverses Delegate, once: it disables the controllers Delegate
// enabled (leaving them, silently, while a child group of another run
// still enables them for its own children: EBUSY), moves this process
// back into our own cgroup and removes the leaf. When the move fails
// the leaf is left (holding this process until it exits); it carries
// the run's prefix, so Leftovers and `clean` find it.
func (d *Delegation) Undo() error {
	if d == nil || d.leaf == "" || d.undone {
		return nil
	}
	d.undone = true
	var busy bool
	if len(d.enabled) > 0 {
		if err := writeFile(d.own, "cgroup.subtree_control", "-"+strings.Join(d.enabled, " -")); err != nil {
			if !errors.Is(err, syscall.EBUSY) {
				return fmt.Errorf("%w: c1m-testbed stays in cgroup %s until it exits (`c1m-testbed clean` removes it then)", err, d.leaf)
			}
			busy = true
		}
	}
	if err := writeFile(d.own, "cgroup.procs", d.pid); err != nil {
		why := ""
		if busy {
			why = " (its controllers stay enabled for another group)"
		}
		return fmt.Errorf("failed to move c1m-testbed back into its cgroup %s%s: %w; it stays in cgroup %s until it exits (`c1m-testbed clean` removes it then)",
			d.own, why, err, d.leaf)
	}
	return removeDir(d.leaf, removeWait)
}

// v2Root reports whether our own v2 cgroup is the hierarchy's root, the
// one cgroup the kernel lets hold processes and enable controllers at
// once; the root alone has no cgroup.type (a cgroup namespace's root,
// as a container sees it, has one and obeys the rule).
func (s *System) v2Root() bool {
	_, err := os.Stat(filepath.Join(s.v2.own, "cgroup.type"))
	return errors.Is(err, os.ErrNotExist)
}

// notEnabled lists the controllers l needs that our own v2 cgroup's
// cgroup.subtree_control does not enable yet, in l's order.
func (s *System) notEnabled(l Limits) []string {
	text, _ := readSmall(filepath.Join(s.v2.own, "cgroup.subtree_control"))
	on := strings.Fields(text)
	var out []string
	for _, c := range l.controllers() {
		if !slices.Contains(on, c) {
			out = append(out, c)
		}
	}
	return out
}

// othersIn counts the processes in dir's cgroup.procs other than pid.
func othersIn(dir, pid string) (int, error) {
	text, err := readSmall(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return 0, fmt.Errorf("failed to read which processes share our cgroup: %w", err)
	}
	n := 0
	for _, p := range strings.Fields(text) {
		if p != pid {
			n++
		}
	}
	return n, nil
}

// notDelegated is the refusal for a v2 cgroup that other processes share.
func notDelegated(own string, others int) error {
	procs := "processes"
	if others == 1 {
		procs = "process"
	}
	return fmt.Errorf("%w: our cgroup %s holds %d other %s besides c1m-testbed, and cgroup v2 enables controllers for child groups only in a cgroup without processes (c1m-testbed moves only itself out of the way); run c1m-testbed as the only process of a delegated cgroup, e.g. `systemd-run --scope -p Delegate=yes c1m-testbed run …`",
		ErrNotDelegated, own, others, procs)
}
