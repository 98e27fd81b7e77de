package topology

import (
	"os"
	"strconv"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
)

// ClockTicks is the unit of the CPU and start times in /proc/<pid>/stat
// (USER_HZ, 100 on every Linux architecture).
const ClockTicks = 100

// Process is one process as /proc/<pid>/stat shows it.
type Process struct {
	PID       int
	PPID      int
	Comm      string // the command name the process gave itself (at most 15 bytes)
	Start     uint64 // start time in clock ticks since boot: with PID, names the process for good
	UserCPU   time.Duration
	SystemCPU time.Duration
	RSSBytes  int64 // resident memory, from the page count of field 24
}

// ReadProcess reads /proc/<pid>/stat. A process that has exited (a
// zombie counts) is an error.
func ReadProcess(pid int) (Process, error) {
	st, err := procfs.ReadStat(pid)
	if err != nil {
		return Process{}, err
	}
	if st.State == 'Z' || st.State == 'X' {
		return Process{}, os.ErrNotExist
	}
	return processOf(pid, st), nil
}

// processOf converts a parsed stat line of pid.
func processOf(pid int, st procfs.Stat) Process {
	tick := time.Second / ClockTicks
	return Process{PID: pid, PPID: st.PPID, Comm: st.Comm, Start: st.Start,
		UserCPU: time.Duration(st.UserTicks) * tick, SystemCPU: time.Duration(st.SystemTicks) * tick,
		RSSBytes: st.RSSPages * int64(os.Getpagesize())}
}

// NSProcess is a process found in one of a set of namespaces.
type NSProcess struct {
	Process
	Namespace string // the name it was found in
}

// ProcessesIn returns the live processes whose network namespace is one of
// the named ones (names under /run/netns, or paths), by pid, with the stat
// read when each was found. A process is found by its /proc/<pid>/ns/net,
// whoever started it and whatever it forked or re-executed since; the
// calling process is left out. Names that do not exist are skipped.
func ProcessesIn(names []string) map[int]NSProcess {
	ns := namedNamespaces(names)
	out := map[int]NSProcess{}
	if len(ns) == 0 {
		return out
	}
	for _, p := range processesIn(ns) {
		out[p.PID] = NSProcess{Process: processOf(p.PID, p.Stat), Namespace: p.NS.Name}
	}
	return out
}

// AllPIDs lists the pids under /proc (every process the caller can see).
func AllPIDs() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	pids := make([]int, 0, len(ents))
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}
