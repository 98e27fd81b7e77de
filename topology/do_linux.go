package topology

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// nsPath maps a namespace name to its bind mount under NetnsDir; a value
// containing a slash is taken as a path already (e.g. /proc/123/ns/net).
func nsPath(ns string) string {
	if strings.Contains(ns, "/") {
		return ns
	}
	return filepath.Join(NetnsDir, ns)
}

// openNS opens namespace ns close-on-exec, so no child ever inherits it.
func openNS(ns string) (*os.File, error) {
	f, err := os.OpenFile(nsPath(ns), os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("failed to open network namespace %s: %w", ns, err)
	}
	return f, nil
}

// threadNS opens the network namespace of the calling OS thread (which
// must be locked). /proc/self/ns/net would be the main thread's instead.
func threadNS() (*os.File, error) {
	f, err := os.OpenFile("/proc/thread-self/ns/net", os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("failed to open this thread's network namespace: %w", err)
	}
	return f, nil
}

// ErrThreadStuck is returned (joined with fn's error) when Do could not
// switch its thread back; the thread was thrown away, nothing else is lost.
var ErrThreadStuck = errors.New("failed to switch the thread back to its namespace; the thread was discarded")

// Do runs fn inside network namespace ns (a name under /run/netns or a
// path) on a fresh goroutine with its OS thread locked: it saves the
// thread's own namespace, switches, runs fn, and switches back. The thread
// goes back to the pool only if switching back succeeded; otherwise the
// goroutine exits still locked and the Go runtime destroys the thread.
// Sockets and processes made by fn belong to ns.
func Do(ns string, fn func() error) error {
	target, err := openNS(ns)
	if err != nil {
		return err
	}
	defer target.Close()
	return onThrowawayThread(func() error {
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("failed to enter network namespace %s: %w", ns, err)
		}
		return fn()
	})
}
