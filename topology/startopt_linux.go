package topology

import "syscall"

// StartOption adds to where StartIn starts a child.
type StartOption func(*startConfig)

// startConfig is what the options of one StartIn call asked for.
type startConfig struct {
	cgroup CgroupJoiner
}

// CgroupJoiner places the child StartIn forks into a cgroup before it
// runs anything (*cgroups.Group is one).
type CgroupJoiner interface {
	// Enter is called on the spawner thread right before the fork: on v1
	// it moves the calling thread (its tid) into the group, so the forked
	// child starts inside; on v2 it may instead set attr.UseCgroupFD and
	// attr.CgroupFD (clone3 CLONE_INTO_CGROUP) and move nothing. It
	// returns leave, called on the same thread right after the fork,
	// which moves the thread back (v1) or closes the fd (v2). When Enter
	// fails, leave is nil if the thread is where it was, or else a second
	// try at taking it back.
	Enter(attr *syscall.SysProcAttr) (leave func() error, err error)
}

// InCgroup starts the child inside the cgroup j stands for. Should j fail
// to take the spawner thread back out, that thread is retired like one
// stuck in a namespace.
func InCgroup(j CgroupJoiner) StartOption {
	return func(c *startConfig) { c.cgroup = j }
}
