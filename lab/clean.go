package lab

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// Clean removes what dead runs left behind (topology.Clean: it restores
// their journals, ends every process in their namespaces, found by
// namespace inode, deletes the namespaces and the run records; then the
// cgroups their roles ran in) and says
// on w what it did; it returns how many runs it cleaned. Live runs are
// never touched.
func Clean(w io.Writer) (int, error) {
	if os.Geteuid() != 0 {
		return 0, fmt.Errorf("%w: must run as root to delete namespaces and restore sysctls: try 'sudo c1m-testbed clean'", ErrRefused)
	}
	groups, gerr := deadRunGroups() // before topology.Clean removes the records that list them
	n, err := topology.Clean(w)
	removed, rerr := removeGroups(w, groups)
	if n == 0 && removed > 0 {
		n = 1 // what a dead run left was only its cgroups
	}
	if err = errors.Join(err, gerr, rerr); err != nil {
		return n, fmt.Errorf("failed to clean: %w", err)
	}
	return n, nil
}
