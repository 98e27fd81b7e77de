package topology

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// errStatFormat is returned for a /proc/<pid>/stat line that cannot be
// parsed.
var errStatFormat = errors.New("malformed /proc/<pid>/stat line")

// procStat is what the liveness check needs of a /proc/<pid>/stat line.
type procStat struct {
	State byte   // field 3: R, S, D, Z, T, ...
	Start uint64 // field 22: start time in clock ticks since boot
}

// parseProcStat parses a /proc/<pid>/stat line. Field 2, the command name,
// is in parentheses and may itself hold spaces, parentheses and even
// newlines (a process chooses its own name), so the fields are counted from
// the LAST ')' of the line, never split from the start.
func parseProcStat(line string) (procStat, error) {
	open := strings.IndexByte(line, '(')
	end := strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("%w: no (command) field", errStatFormat)
	}
	f := strings.Fields(line[end+1:]) // f[0] is field 3
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("%w: %d fields after the command, want at least 20", errStatFormat, len(f))
	}
	if len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("%w: state %q", errStatFormat, f[0])
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("%w: start time %q", errStatFormat, f[19])
	}
	return procStat{State: f[0][0], Start: start}, nil
}
