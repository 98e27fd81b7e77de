package topology

import (
	"fmt"
	"os"
	"strconv"
)

// ProcessStart returns the start time of process pid in clock ticks since
// boot (field 22 of /proc/<pid>/stat). Together with the pid it names one
// process for good: a later process that gets the same pid has another
// start time. It fails when pid does not exist or has exited (a zombie
// counts as exited).
func ProcessStart(pid int) (uint64, error) {
	st, err := readProcStat(pid)
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

// readProcStat reads and parses /proc/<pid>/stat.
func readProcStat(pid int) (procStat, error) {
	p := "/proc/" + strconv.Itoa(pid) + "/stat"
	b, err := os.ReadFile(p)
	if err != nil {
		return procStat{}, fmt.Errorf("failed to read the state of process %d: %w", pid, err)
	}
	st, err := parseProcStat(string(b))
	if err != nil {
		return procStat{}, fmt.Errorf("failed to parse %s: %w", p, err)
	}
	return st, nil
}
