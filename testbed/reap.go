package testbed

import (
	"fmt"
)

// reapNamespaces ends every process still inside the run's namespaces
// once its workers were stopped: a program that daemonized (forked and
// setsid()ed away from the process we started) is found by the inode of
// its network namespace, not by its parent (Topology.EndProcesses, which
// Teardown then need not repeat).
// Ending one is noted in run.json; one that survives SIGKILL is returned,
// for leftovers.
func (r *runner) reapNamespaces() []string {
	if r.topo == nil {
		return nil // nothing was built (a failed Build removed what it made)
	}
	killed, survivors, err := r.topo.EndProcesses()
	if killed > 0 {
		r.note(fmt.Sprintf("teardown ended %d process(es) left in the run's namespaces after its workers stopped (a program that daemonized or forked children)", killed))
		r.progress.printf("teardown: ended %d process(es) still in the run's namespaces", killed)
	}
	var left []string
	for _, pid := range survivors {
		left = append(left, fmt.Sprintf("process %d in the run's namespaces", pid))
	}
	if err != nil && len(survivors) == 0 {
		left = append(left, "processes in the run's namespaces: "+err.Error())
	}
	return left
}
