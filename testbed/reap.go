package testbed

import (
	"fmt"
	"time"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// reapGrace is how long a process the run did not start itself (one that
// a program forked off and left behind) gets between SIGTERM and SIGKILL.
const reapGrace = 2 * time.Second

// reapNamespaces ends every process still inside the run's namespaces
// once its workers were stopped: a program that daemonized (forked and
// setsid()ed away from the process we started) is found by the inode of
// its network namespace, not by its parent (topology.KillRunProcesses).
// Ending one is noted in run.json; one that survives SIGKILL is returned,
// for leftovers.
func (r *runner) reapNamespaces() []string {
	if r.owner == nil {
		return nil
	}
	killed, survivors, err := topology.KillRunProcesses(r.runID, reapGrace)
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
