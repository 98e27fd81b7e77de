package topology

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
)

// FinalReading waits until pid, a child of the calling process, has
// exited, and reads its stat before it is reaped (a zombie's stat holds
// its final CPU times, its exit included: a program ended by a signal
// closes its sockets there, which a reading a moment earlier misses).
// It leaves the child for its own Wait to reap.
func FinalReading(pid int) (Process, error) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return Process{}, fmt.Errorf("failed to wait for process %d to exit: %w", pid, err)
		}
		break
	}
	st, err := procfs.ReadStat(pid)
	if err != nil {
		return Process{}, err
	}
	return processOf(pid, st), nil
}
