package topology

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"golang.org/x/sys/unix"
)

// DefaultKillGrace is how long Teardown and Clean wait after SIGTERM
// before they SIGKILL what is still running in a run's namespaces.
const DefaultKillGrace = 2 * time.Second

// killWait bounds the wait for SIGKILLed processes to leave: a process in
// uninterruptible sleep may take longer, and is then reported as a
// survivor.
const killWait = 2 * time.Second

// ErrSurvivors is returned (wrapped) when processes still live in a run's
// namespaces after SIGKILL.
var ErrSurvivors = errors.New("processes survived SIGKILL in the run's namespaces")

// nsProc is a process found in one of the namespaces sought.
type nsProc struct {
	PID   int
	Start uint64
	NS    nsEntry
	Stat  procfs.Stat // as read when it was found
}

// KillProcessesIn ends every process whose network namespace is one of the
// named ones (names under /run/netns, or paths), whoever started it and
// whatever process group or session it moved to: processes are found by
// comparing each /proc/<pid>/ns/net with the namespaces' device and inode.
// It sends SIGTERM, waits up to grace for them to exit (SIGTERMing
// newcomers too), then SIGKILLs the rest and waits a bounded time. It
// returns how many processes it ended and the pids still running after
// SIGKILL (with an error wrapping ErrSurvivors). The calling process and
// any process outside these namespaces are never signalled; a name that
// does not exist is skipped. Nothing found returns at once.
func KillProcessesIn(names []string, grace time.Duration) (killed int, survivors []int, err error) {
	ended, left, err := killIn(namedNamespaces(names), grace)
	return len(ended), pidsOf(left), err
}

// KillRunProcesses is KillProcessesIn for every namespace of runID: those
// named c1m-<runid>-* under /run/netns, and those the run's record lists
// that lost their name but are still held by a process (confirmed by the
// namespace cookie, since the kernel reuses the inodes of freed
// namespaces). Teardown and Clean call it before they remove any name.
func KillRunProcesses(runID string, grace time.Duration) (killed int, survivors []int, err error) {
	if err := ValidateRunID(runID); err != nil {
		return 0, nil, err
	}
	ended, left, err := killRun(runID, grace)
	return len(ended), pidsOf(left), err
}

// killRun is KillRunProcesses returning the processes themselves.
func killRun(runID string, grace time.Duration) (ended, left []nsProc, err error) {
	ns, err := runNamespaces(runID)
	if err != nil {
		return nil, nil, err
	}
	return killIn(ns, grace)
}

// pidsOf lists the pids of procs.
func pidsOf(procs []nsProc) []int {
	var out []int
	for _, p := range procs {
		out = append(out, p.PID)
	}
	return out
}

// killIn is the SIGTERM, grace, SIGKILL sequence over the namespaces ns.
// It returns the processes that ended and those that survived SIGKILL.
func killIn(ns map[nsID]nsEntry, grace time.Duration) (ended, left []nsProc, err error) {
	if len(ns) == 0 {
		return nil, nil, nil
	}
	seen := map[int]nsProc{}
	termed := map[int]bool{}
	done := func(alive []nsProc) ([]nsProc, []nsProc) {
		live := map[int]bool{}
		for _, p := range alive {
			live[p.PID] = true
		}
		for pid, p := range seen {
			if !live[pid] {
				ended = append(ended, p)
			}
		}
		slices.SortFunc(ended, func(a, b nsProc) int { return a.PID - b.PID })
		return ended, alive
	}
	deadline := time.Now().Add(grace)
	for {
		procs := processesIn(ns)
		if len(procs) == 0 {
			ended, _ = done(nil)
			return ended, nil, nil
		}
		for _, p := range procs {
			seen[p.PID] = p
			if !termed[p.PID] {
				termed[p.PID] = true
				signalIn(p, ns, unix.SIGTERM)
			}
		}
		if !time.Now().Before(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	deadline = time.Now().Add(killWait)
	for {
		procs := processesIn(ns)
		if len(procs) == 0 {
			ended, _ = done(nil)
			return ended, nil, nil
		}
		for _, p := range procs {
			seen[p.PID] = p
			signalIn(p, ns, unix.SIGKILL)
		}
		if !time.Now().Before(deadline) {
			ended, left = done(procs)
			return ended, left, fmt.Errorf("%w: pids %v (in uninterruptible sleep? see /proc/<pid>/stack, then run `c1m-testbed clean`)", ErrSurvivors, pidsOf(left))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processesIn scans /proc for live processes (not zombies) whose network
// namespace is one of ns, this process excepted.
func processesIn(ns map[nsID]nsEntry) []nsProc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []nsProc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if p, ok := procIn(pid, ns); ok {
			out = append(out, p)
		}
	}
	return out
}

// procIn reports whether pid is a live process in one of ns.
func procIn(pid int, ns map[nsID]nsEntry) (nsProc, bool) {
	path := "/proc/" + strconv.Itoa(pid) + "/ns/net"
	id, err := statNS(path)
	if err != nil {
		return nsProc{}, false
	}
	e, ok := ns[id]
	if !ok {
		return nsProc{}, false
	}
	st, err := procfs.ReadStat(pid)
	if err != nil || st.State == 'Z' || st.State == 'X' {
		return nsProc{}, false
	}
	if e.Unnamed && cookieOf(path) != e.Cookie {
		return nsProc{}, false // a new namespace that got a freed inode of ours
	}
	return nsProc{PID: pid, Start: st.Start, NS: e, Stat: st}, true
}

// signalIn sends sig to p only if it still is the process that was found
// in ns: a pidfd pins the process, then its namespace and start time are
// checked again, so a pid reused meanwhile by a process elsewhere is never
// signalled.
func signalIn(p nsProc, ns map[nsID]nsEntry, sig unix.Signal) {
	fd, err := unix.PidfdOpen(p.PID, 0)
	pidfd := err == nil
	if !pidfd && !errors.Is(err, unix.ENOSYS) {
		return // gone
	}
	if pidfd {
		defer unix.Close(fd)
	}
	again, ok := procIn(p.PID, ns)
	if !ok || again.Start != p.Start {
		return
	}
	if pidfd {
		_ = unix.PidfdSendSignal(fd, sig, nil, 0)
		return
	}
	_ = unix.Kill(p.PID, sig) // kernel older than 5.3: no pidfd
}
