package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// Exec replaces this process with argv running inside network namespace
// ns (a name under /run/netns), keeping the terminal, the process group
// and the environment, as 'ip netns exec' does: the calling thread enters
// ns and execs, so the whole new program lives there. It returns only on
// failure.
func Exec(ns string, argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("no command to run in %s", ns)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("failed to find %q: %w", argv[0], err)
	}
	f, err := os.Open(filepath.Join(topology.NetnsDir, ns))
	if err != nil {
		return fmt.Errorf("failed to open network namespace %s: %w", ns, err)
	}
	defer f.Close()
	runtime.LockOSThread() // never unlocked: on success the process image is replaced
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("failed to enter network namespace %s (are you root?): %w", ns, err)
	}
	remountSys(ns)
	err = syscall.Exec(path, argv, os.Environ())
	return fmt.Errorf("failed to run %s in %s: %w", path, ns, err)
}

// remountSys gives the calling thread a mount namespace of its own with a
// fresh /sys, as `ip netns exec` does: sysfs shows the network devices of
// the namespace that mounts it, so /sys/class/net then lists the node's
// links, not the host's. Best effort: without it only /sys is wrong.
func remountSys(ns string) {
	if unix.Unshare(unix.CLONE_NEWNS) != nil {
		return
	}
	// Keep what follows from propagating back into the host's mounts.
	if unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, "") != nil {
		return
	}
	if unix.Unmount("/sys", unix.MNT_DETACH) != nil {
		return
	}
	_ = unix.Mount(ns, "/sys", "sysfs", 0, "")
}
