package hostlock

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// LockPath is the lock file every root test of this module agrees on.
const LockPath = "/run/c1m-testbed-tests.lock"

// Shared takes the host lock shared for the rest of test t: many shared
// holders run at once, none while an Exclusive holder runs. For tests that
// build namespaces or open connections but change nothing host-global.
func Shared(t testing.TB) { lock(t, unix.LOCK_SH, "shared") }

// Exclusive takes the host lock exclusively for the rest of test t: no
// other test of the module that takes the lock runs meanwhile. For tests
// that change a host-global setting.
func Exclusive(t testing.TB) { lock(t, unix.LOCK_EX, "exclusive") }

// lock opens LockPath and flocks it (blocking); t.Cleanup unlocks it.
// A test that cannot open the lock file fails: running unserialized could
// let a host-global test lower a limit under another test's feet.
// Without root there is nothing to serialize (root tests skip), so it
// does nothing.
func lock(t testing.TB, how int, name string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	fd, err := Acquire(how)
	if err != nil {
		t.Fatalf("failed to take the %s test lock: %v", name, err)
	}
	t.Cleanup(func() { unix.Close(fd) }) // closing the last fd drops the flock
}

// Acquire opens LockPath and flocks it with how (unix.LOCK_SH or
// unix.LOCK_EX), blocking until granted; it returns the fd that holds the
// lock (close it to release). For callers that are not tests.
func Acquire(how int) (int, error) {
	fd, err := unix.Open(LockPath, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return -1, fmt.Errorf("failed to open %s (run the tests as root, or create it writable): %w", LockPath, err)
	}
	for {
		err = unix.Flock(fd, how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("failed to lock %s: %w", LockPath, err)
	}
	return fd, nil
}

// Held reports whether this process can see the lock held in a way that
// conflicts with how (for tests of this package): it tries a non-blocking
// flock on a fresh descriptor.
func Held(how int) (bool, error) {
	fd, err := unix.Open(LockPath, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return false, fmt.Errorf("failed to open %s: %w", LockPath, err)
	}
	defer unix.Close(fd)
	err = unix.Flock(fd, how|unix.LOCK_NB)
	if err == unix.EWOULDBLOCK {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("failed to probe %s: %w", LockPath, err)
	}
	unix.Flock(fd, unix.LOCK_UN)
	return false, nil
}
