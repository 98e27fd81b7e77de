package hostlock

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func skipUnlessRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: the lock file lives in /run and needs root (run 'go test' as root)")
	}
}

// TestLockSharedExclusive checks that shared holders coexist and keep an
// exclusive one out, and that Cleanup releases the lock. flock locks
// belong to open file descriptions, so fresh descriptors in one process
// conflict like separate processes do. (Whether the lock is free afterwards
// is not checked: another package's tests may hold it by then.)
func TestLockSharedExclusive(t *testing.T) {
	skipUnlessRoot(t)
	t.Run("shared", func(t *testing.T) {
		Shared(t)
		if held, err := Held(unix.LOCK_SH); err != nil || held {
			t.Errorf("a second shared lock was refused (held=%v, err=%v)", held, err)
		}
		if held, err := Held(unix.LOCK_EX); err != nil || !held {
			t.Errorf("an exclusive lock was granted while a shared one is held (held=%v, err=%v)", held, err)
		}
	})
	t.Run("exclusive", func(t *testing.T) {
		Exclusive(t)
		if held, err := Held(unix.LOCK_SH); err != nil || !held {
			t.Errorf("a shared lock was granted while an exclusive one is held (held=%v, err=%v)", held, err)
		}
	})
}
