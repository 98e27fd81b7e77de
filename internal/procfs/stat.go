package procfs

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrStatFormat is returned for a /proc/<pid>/stat line that cannot be
// parsed.
var ErrStatFormat = errors.New("malformed /proc/<pid>/stat line")

// Stat is what the liveness check and the role meter need of a
// /proc/<pid>/stat line.
type Stat struct {
	Comm        string // field 2, without its parentheses
	State       byte   // field 3: R, S, D, Z, T, ...
	PPID        int    // field 4
	UserTicks   uint64 // field 14: user CPU time in clock ticks
	SystemTicks uint64 // field 15: system CPU time in clock ticks
	Start       uint64 // field 22: start time in clock ticks since boot
	RSSPages    int64  // field 24: resident pages (0 when the line stops before it)
}

// ParseStat parses a /proc/<pid>/stat line. Field 2, the command name, is
// in parentheses and may itself hold spaces, parentheses and even newlines
// (a process chooses its own name), so the fields are counted from the
// LAST ')' of the line, never split from the start. Errors wrap
// ErrStatFormat.
func ParseStat(line string) (Stat, error) {
	open := strings.IndexByte(line, '(')
	end := strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return Stat{}, fmt.Errorf("%w: no (command) field", ErrStatFormat)
	}
	f := strings.Fields(line[end+1:]) // f[0] is field 3
	if len(f) < 20 {
		return Stat{}, fmt.Errorf("%w: %d fields after the command, want at least 20", ErrStatFormat, len(f))
	}
	if len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("%w: state %q", ErrStatFormat, f[0])
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("%w: start time %q", ErrStatFormat, f[19])
	}
	st := Stat{Comm: line[open+1 : end], State: f[0][0], Start: start}
	st.PPID, _ = strconv.Atoi(f[1])
	st.UserTicks, _ = strconv.ParseUint(f[11], 10, 64)
	st.SystemTicks, _ = strconv.ParseUint(f[12], 10, 64)
	if len(f) > 21 {
		st.RSSPages, _ = strconv.ParseInt(f[21], 10, 64)
	}
	return st, nil
}

// ReadStat reads and parses /proc/<pid>/stat.
func ReadStat(pid int) (Stat, error) {
	p := "/proc/" + strconv.Itoa(pid) + "/stat"
	b, err := os.ReadFile(p)
	if err != nil {
		return Stat{}, fmt.Errorf("failed to read the state of process %d: %w", pid, err)
	}
	st, err := ParseStat(string(b))
	if err != nil {
		return Stat{}, fmt.Errorf("failed to parse %s: %w", p, err)
	}
	return st, nil
}
