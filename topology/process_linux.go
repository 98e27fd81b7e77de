package topology

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
)

// ProcessStart returns the start time of process pid in clock ticks since
// boot (field 22 of /proc/<pid>/stat). Together with the pid it names one
// process for good: a later process that gets the same pid has another
// start time. It fails when pid does not exist or has exited (a zombie
// counts as exited).
func ProcessStart(pid int) (uint64, error) {
	st, err := procfs.ReadStat(pid)
	if err != nil {
		return 0, err
	}
	if st.State == 'Z' || st.State == 'X' {
		return 0, fmt.Errorf("process %d has exited", pid)
	}
	return st.Start, nil
}

// ProcessAlive reports whether process pid runs (it exists and is not a
// zombie) and, when start is not 0, is the same process that ProcessStart
// saw start at start, not a later one that reused the pid. start 0 skips
// that check.
func ProcessAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	got, err := ProcessStart(pid)
	return err == nil && (start == 0 || got == start)
}
