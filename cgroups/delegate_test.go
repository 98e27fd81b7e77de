package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDelegateMovesOnlyItself: our scope holds this process alone, so
// Delegate makes the leaf, moves this process into it, then enables the
// controllers, in that order; Undo disables exactly those, moves the
// process back and removes the leaf.
func TestDelegateMovesOnlyItself(t *testing.T) {
	const own = "sys/fs/cgroup/user.slice/x.scope"
	root := fakeTree(t, fakeV2Scope)
	s, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	log := recordWrites(t, root)
	d, err := s.Delegate("c1m-ab12cd-self", Limits{MemoryBytes: 1 << 20, CPUs: 1})
	if err != nil {
		t.Fatal(err)
	}
	leaf := filepath.Join(root, own, "c1m-ab12cd-self")
	if d.Leaf() != leaf {
		t.Errorf("Leaf() = %q, want %q", d.Leaf(), leaf)
	}
	want := []string{
		"write " + own + "/c1m-ab12cd-self/cgroup.procs " + ourPid,
		"write " + own + "/cgroup.subtree_control +memory +cpu",
	}
	if !slices.Equal(*log, want) {
		t.Errorf("Delegate wrote\n%q\nwant\n%q", *log, want)
	}
	// A role group can be made now, and Create writes no subtree_control.
	if err := os.WriteFile(filepath.Join(root, own, "cgroup.subtree_control"), []byte("cpu memory\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, own, "cgroup.procs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := s.Create("c1m-ab12cd-srv", Limits{MemoryBytes: 1 << 20, CPUs: 1})
	if err != nil {
		t.Fatalf("Create after Delegate: %v", err)
	}
	if err := g.Remove(); err != nil {
		t.Fatal(err)
	}
	left, err := Leftovers(s, "c1m-ab12cd-")
	if err != nil || !slices.Equal(left, []string{leaf}) {
		t.Errorf("Leftovers before Undo = %q, %v; want the leaf alone", left, err)
	}

	*log = nil
	if err := d.Undo(); err != nil {
		t.Fatal(err)
	}
	want = []string{
		"write " + own + "/cgroup.subtree_control -memory -cpu",
		"write " + own + "/cgroup.procs " + ourPid,
		"rmdir " + own + "/c1m-ab12cd-self",
	}
	if !slices.Equal(*log, want) {
		t.Errorf("Undo wrote\n%q\nwant\n%q", *log, want)
	}
	if got := readTree(t, root, own+"/c1m-ab12cd-self"); got != "<missing>" {
		t.Errorf("the leaf after Undo: %s", got)
	}
	*log = nil
	if err := d.Undo(); err != nil || len(*log) > 0 {
		t.Errorf("second Undo = %v, wrote %q", err, *log)
	}
}

// TestDelegateRefusesSharedCgroup: another process in our scope; nothing
// is made, written or moved, and Available refuses the same way early.
func TestDelegateRefusesSharedCgroup(t *testing.T) {
	const own = "sys/fs/cgroup/user.slice/x.scope"
	root := fakeTree(t, merged(fakeV2Scope, map[string]string{
		own + "/cgroup.procs": "1\n" + ourPid + "\n",
	}))
	s, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	log := recordWrites(t, root)
	l := Limits{MemoryBytes: 1 << 20, CPUs: 1}
	for name, err := range map[string]error{
		"Available": s.Available(l),
		"Delegate":  func() error { _, err := s.Delegate("c1m-ab12cd-self", l); return err }(),
	} {
		if !errors.Is(err, ErrNotDelegated) {
			t.Errorf("%s = %v, want ErrNotDelegated", name, err)
			continue
		}
		for _, w := range []string{"1 other process ", "only process of a delegated cgroup", "systemd-run --scope -p Delegate=yes c1m-testbed run"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s error %q does not say %q", name, err, w)
			}
		}
	}
	if len(*log) > 0 {
		t.Errorf("a refused Delegate wrote %q", *log)
	}
	if got := readTree(t, root, own+"/c1m-ab12cd-self"); got != "<missing>" {
		t.Errorf("a refused Delegate made the leaf: %s", got)
	}
	// Limits that need no controller need no delegation.
	if err := s.Available(Limits{}); err != nil {
		t.Errorf("Available(no limits) = %v", err)
	}
}

// TestDelegateNoOp: nothing to do on v1, at the root cgroup, or with the
// controllers enabled already.
func TestDelegateNoOp(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		l     Limits
	}{
		{"v2 enabled already, other processes too", merged(fakeV2, map[string]string{
			"sys/fs/cgroup/user.slice/x.scope/cgroup.procs": "1\n",
		}), Limits{MemoryBytes: 1 << 20, CPUs: 1, CPUSet: "0"}},
		{"v2 root cgroup", merged(fakeV2Root, map[string]string{
			"sys/fs/cgroup/cgroup.procs": "1\n2\n" + ourPid + "\n",
		}), Limits{MemoryBytes: 1 << 20, CPUs: 1}},
		{"v2 no limits", fakeV2Scope, Limits{}},
		{"v1", fakeV1, Limits{MemoryBytes: 1 << 20, CPUs: 1, CPUSet: "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeTree(t, tt.files)
			s, err := DetectAt(root)
			if err != nil {
				t.Fatal(err)
			}
			log := recordWrites(t, root)
			if err := s.Available(tt.l); err != nil {
				t.Errorf("Available = %v", err)
			}
			d, err := s.Delegate("c1m-ab12cd-self", tt.l)
			if err != nil {
				t.Fatal(err)
			}
			if d.Leaf() != "" {
				t.Errorf("Leaf() = %q", d.Leaf())
			}
			if err := d.Undo(); err != nil {
				t.Errorf("Undo = %v", err)
			}
			if len(*log) > 0 {
				t.Errorf("wrote %q", *log)
			}
			if left, _ := Leftovers(s, "c1m-"); len(left) > 0 {
				t.Errorf("made %q", left)
			}
		})
	}
}

// TestDelegateFailsBack: enabling fails (the fake's subtree_control is
// a directory, as EBUSY would fail it); this process is moved back and
// the leaf removed.
func TestDelegateFailsBack(t *testing.T) {
	const own = "sys/fs/cgroup/user.slice/x.scope"
	files := merged(fakeV2Scope, map[string]string{own + "/cgroup.subtree_control/": ""})
	delete(files, own+"/cgroup.subtree_control")
	root := fakeTree(t, files)
	s, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	log := recordWrites(t, root)
	if _, err := s.Delegate("c1m-ab12cd-self", Limits{CPUs: 1}); err == nil {
		t.Fatal("Delegate succeeded")
	}
	want := []string{
		"write " + own + "/c1m-ab12cd-self/cgroup.procs " + ourPid,
		"write " + own + "/cgroup.subtree_control +cpu",
		"write " + own + "/cgroup.procs " + ourPid,
		"rmdir " + own + "/c1m-ab12cd-self",
	}
	if !slices.Equal(*log, want) {
		t.Errorf("wrote\n%q\nwant\n%q", *log, want)
	}
	if got := readTree(t, root, own+"/c1m-ab12cd-self"); got != "<missing>" {
		t.Errorf("the leaf after a failed Delegate: %s", got)
	}
}

// TestUndoLeavesTheLeafWhenStuck: moving back fails; the leaf is left,
// named with the run's prefix for Leftovers.
func TestUndoLeavesTheLeafWhenStuck(t *testing.T) {
	const own = "sys/fs/cgroup/user.slice/x.scope"
	root := fakeTree(t, fakeV2Scope)
	s, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Delegate("c1m-ab12cd-self", Limits{CPUs: 1})
	if err != nil {
		t.Fatal(err)
	}
	procs := filepath.Join(root, own, "cgroup.procs")
	if err := os.Remove(procs); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(procs, 0o755); err != nil { // the write back fails
		t.Fatal(err)
	}
	err = d.Undo()
	if err == nil || !strings.Contains(err.Error(), "move c1m-testbed back") || !strings.Contains(err.Error(), "clean") {
		t.Errorf("Undo = %v, want an error naming the move back and clean", err)
	}
	if left, _ := Leftovers(s, "c1m-ab12cd-"); !slices.Equal(left, []string{d.Leaf()}) {
		t.Errorf("Leftovers = %q, want the leaf", left)
	}
}
