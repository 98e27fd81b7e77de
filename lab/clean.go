package lab

import (
	"fmt"
	"io"
	"os"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// Clean removes what dead runs left behind (topology.Clean: it restores
// their journals, ends every process in their namespaces, found by
// namespace inode, deletes the namespaces and the run records) and says
// on w what it did; it returns how many runs it cleaned. Live runs are
// never touched.
func Clean(w io.Writer) (int, error) {
	if os.Geteuid() != 0 {
		return 0, fmt.Errorf("%w: must run as root to delete namespaces and restore sysctls: try 'sudo c1m-testbed clean'", ErrRefused)
	}
	n, err := topology.Clean(w)
	if err != nil {
		return n, fmt.Errorf("failed to clean: %w", err)
	}
	return n, nil
}
