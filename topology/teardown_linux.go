package topology

import (
	"errors"
	"fmt"
)

// Teardown removes everything of the run. First it ends every process
// still living in one of the run's namespaces (KillRunProcesses with
// t.KillGrace: SIGTERM, the grace, SIGKILL), wherever it moved its process
// group or session; then it deletes every namespace (which deletes the
// veths in them) and releases the run record if Build claimed the run
// itself. Stop your own processes first if they deserve a gentler end.
// When a process survives SIGKILL, Teardown removes nothing and returns an
// error wrapping ErrSurvivors: the names stay so that Leftovers and
// `c1m-testbed clean` still find the namespace. "Not found" counts as
// done, so it can run twice, and after a partial Build.
func (t *Topology) Teardown() error {
	if t == nil {
		return nil
	}
	if !t.ended {
		if _, _, err := t.EndProcesses(); err != nil {
			return fmt.Errorf("failed to tear down run %s: %w", t.RunID, err)
		}
	}
	var errs []error
	for _, c := range t.Clients {
		if err := deleteNamed(c.Name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := deleteNamed(t.Server.Name); err != nil {
		errs = append(errs, err)
	}
	// Anything else of the run's prefix (a half-made build of a crashed
	// run that used the same id) goes too.
	rest, err := listNamed(RunPrefix(t.RunID))
	if err != nil {
		errs = append(errs, err)
	}
	for _, n := range rest {
		if err := deleteNamed(n); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 && t.claim != nil {
		if err := t.claim.Release(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("failed to tear down run %s: %w", t.RunID, errors.Join(errs...))
	}
	return nil
}

// EndProcesses ends every process still living in one of the run's
// namespaces (KillRunProcesses with t.KillGrace), for a caller that wants
// to report what it ended before Teardown; Teardown then does not look
// again. It returns how many it ended and the pids that survived SIGKILL.
func (t *Topology) EndProcesses() (killed int, survivors []int, err error) {
	grace := t.KillGrace
	if grace <= 0 {
		grace = DefaultKillGrace
	}
	killed, survivors, err = KillRunProcesses(t.RunID, grace)
	t.ended = err == nil
	return killed, survivors, err
}
