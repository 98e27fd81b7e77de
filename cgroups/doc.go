// Package cgroups puts the processes of one role of a run (the server's,
// the clients') into a cgroup of their own with memory and CPU limits, and
// reads what the kernel accounted there.
//
// Groups are made only under the cgroup this process runs in, one level
// down, and are named by the caller (a run's prefix and a role, e.g.
// "c1m-ab12cd-srv"), so Leftovers finds what a crashed run left and
// RemoveDirs removes it. No other process is ever moved: children are
// forked straight into a group (see Group.Enter), and on cgroup v1 only
// the forking thread visits the group for the length of the fork.
//
// Both layouts work: cgroup v2 (one unified hierarchy; the controllers are
// enabled in our own cgroup's cgroup.subtree_control, which the kernel
// allows only while that cgroup holds no process, so Delegate first moves
// this process, alone, into a leaf of its own next to the groups, and
// Delegation.Undo moves it back) and cgroup v1 (one hierarchy per
// controller, our own cgroup possibly different in each; a hybrid host
// whose controllers are mounted as v1 counts as v1).
//
// The package writes the cgroup files by hand rather than through
// github.com/containerd/cgroups: that library finds its hierarchies only
// through the real /proc and /sys (no fake tree for tests), its v1 Stat
// fails when any one file of any subsystem is missing, and it brings
// eBPF, D-Bus, systemd and protobuf dependencies into a tool that needs a
// dozen file writes.
package cgroups
