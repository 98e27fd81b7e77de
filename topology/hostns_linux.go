package topology

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// hostNS is the network namespace this process started in (the host's,
// for the orchestrator), opened close-on-exec while package init runs on
// the main thread, before any code of ours could move a thread.
var hostNS, hostNSErr = os.OpenFile("/proc/thread-self/ns/net", os.O_RDONLY|unix.O_CLOEXEC, 0)

// hostNSFd returns the descriptor of the host namespace.
func hostNSFd() (int, error) {
	if hostNSErr != nil {
		return -1, fmt.Errorf("failed to open the host namespace: %w", hostNSErr)
	}
	return int(hostNS.Fd()), nil
}
