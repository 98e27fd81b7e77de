package testbed

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/lab"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// Preflight checks what a run needs from the host before anything changes:
// root, network namespaces, veth and IP_BIND_ADDRESS_NO_PORT, and no
// leftovers of a dead run (removed first when clean is true). Every
// refusal wraps ErrRefused and says what to do.
func Preflight(clean bool, w io.Writer) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: c1m-testbed builds network namespaces and must run as root: try 'sudo c1m-testbed ...'", ErrRefused)
	}
	if _, err := os.Stat("/proc/self/ns/net"); err != nil {
		return fmt.Errorf("%w: this kernel has no network namespaces (CONFIG_NET_NS): %w", ErrRefused, err)
	}
	if err := checkBindNoPort(); err != nil {
		return fmt.Errorf("%w: IP_BIND_ADDRESS_NO_PORT is missing (Linux 4.2 or newer is needed): %w", ErrRefused, err)
	}
	if !kernelHasVeth() {
		return fmt.Errorf("%w: the veth driver is not available: load it with 'modprobe veth'", ErrRefused)
	}
	return checkDeadRuns(clean, w)
}

// checkDeadRuns refuses to go on while runs that died left namespaces or
// host settings behind, or removes them first when clean is true.
func checkDeadRuns(clean bool, w io.Writer) error {
	if w == nil {
		w = io.Discard
	}
	dead, err := topology.DeadRuns()
	if err != nil {
		return fmt.Errorf("%w: failed to look for leftovers of earlier runs: %w", ErrRefused, err)
	}
	if len(dead) == 0 {
		return nil
	}
	if !clean {
		return fmt.Errorf("%w: %d earlier run(s) died and left namespaces or host settings behind (%v): run 'sudo c1m-testbed clean' or add --clean", ErrRefused, len(dead), dead)
	}
	if _, err := lab.Clean(w); err != nil { // namespaces, journals and the cgroups they list
		return fmt.Errorf("%w: failed to clean leftovers of dead runs: %w", ErrRefused, err)
	}
	return nil
}

// checkBindNoPort sets IP_BIND_ADDRESS_NO_PORT on a throwaway socket.
func checkBindNoPort() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
}

// kernelHasVeth reports whether veth is built in or loadable.
func kernelHasVeth() bool {
	if _, err := os.Stat("/sys/module/veth"); err == nil {
		return true
	}
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return true // cannot tell; let the build say
	}
	rel := unix.ByteSliceToString(u.Release[:])
	for _, p := range []string{"/lib/modules/" + rel + "/kernel/drivers/net/veth.ko", "/lib/modules/" + rel + "/kernel/drivers/net/veth.ko.xz", "/lib/modules/" + rel + "/kernel/drivers/net/veth.ko.zst"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	// Built-in drivers are listed in modules.builtin when it exists; without
	// it, assume built in and let the topology build report the failure.
	data, err := os.ReadFile("/lib/modules/" + rel + "/modules.builtin")
	if err != nil {
		return true
	}
	return len(data) == 0 || slices.Contains(strings.Split(string(data), "\n"), "kernel/drivers/net/veth.ko")
}
