package topology

import (
	"errors"
	"fmt"
)

// Teardown removes everything of the run: it deletes every namespace
// (which deletes the veths in them) and releases the run record if Build
// claimed the run itself. It kills nothing: stop the processes in the
// namespaces first. "Not found" counts as done, so it can run twice, and
// after a partial Build.
func (t *Topology) Teardown() error {
	if t == nil {
		return nil
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
