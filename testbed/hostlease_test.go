package testbed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// claimed claims a fresh run for the test (its record lives under
// topology.RunDir, which needs root) and releases it at the end.
func claimed(t *testing.T) *topology.Owner {
	t.Helper()
	o, err := topology.Claim(topology.NewRunID())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Release() })
	return o
}

// TestHostLease takes the host lock as runs do, on a lock file of its
// own: an exclusive holder refuses a second one that may not wait (the
// error names it), lets one that may wait in once it is released, and
// shared holders go side by side and learn of each other, also of one
// that came and went.
func TestHostLease(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: run records live in /run/c1m-testbed and need root")
	}
	hostlock.Exclusive(t) // no run of another test may see our holders
	saved := HostLockFile
	HostLockFile = filepath.Join(t.TempDir(), "host.lock")
	t.Cleanup(func() { HostLockFile = saved })
	ctx := context.Background()
	me := os.Getpid()
	take := func(o *topology.Owner, name string, excl bool, wait time.Duration, say func(string)) (*hostLease, error) {
		return acquireHost(ctx, o.Dir, lab.Holder{RunID: o.RunID, PID: me, Scenario: name, Exclusive: excl, Started: time.Now()}, wait, say)
	}

	a, b := claimed(t), claimed(t)
	c, d := claimed(t), claimed(t)
	// Runs of other programs may hold the real lock meanwhile: look only
	// at the test's own.
	ours := func(ids []string) []string {
		return slices.DeleteFunc(ids, func(id string) bool {
			return !slices.Contains([]string{a.RunID, b.RunID, c.RunID, d.RunID}, id)
		})
	}
	la, err := take(a, "tcp-mem", true, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = take(b, "file-max", true, 0, nil)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "run "+a.RunID+" (scenario tcp-mem") {
		t.Errorf("second exclusive holder without waiting: err = %v, want ErrRefused naming run %s (scenario tcp-mem)", err, a.RunID)
	}
	var mu sync.Mutex
	var said []string
	// a lets go once b says it waits: b has then found the lock taken.
	// The minute is a hang guard, not a timing.
	lb, err := take(b, "file-max", true, time.Minute, func(s string) {
		mu.Lock()
		said = append(said, s)
		mu.Unlock()
		la.release()
	})
	if err != nil {
		t.Fatalf("a holder that may wait was refused: %v", err)
	}
	mu.Lock()
	if len(said) != 1 || !strings.Contains(said[0], "held by run "+a.RunID) {
		t.Errorf("while waiting it said %q, want one line naming run %s", said, a.RunID)
	}
	mu.Unlock()
	if w := ours(lb.sharedWith()); len(w) != 0 {
		t.Errorf("an exclusive holder shared the host with %v", w)
	}
	lb.release()

	lc, err := take(c, "smoke", false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.release()
	ld, err := take(d, "smoke", false, 0, nil)
	if err != nil {
		t.Fatalf("a second shared holder was refused: %v", err)
	}
	if w := ours(ld.sharedWith()); !slices.Equal(w, []string{c.RunID}) {
		t.Errorf("the second shared holder shared with %v, want [%s]", w, c.RunID)
	}
	ld.release()
	if w := ours(lc.sharedWith()); !slices.Equal(w, []string{d.RunID}) {
		t.Errorf("the first shared holder shared with %v, want [%s] (it came and went)", w, d.RunID)
	}
	// An exclusive one is kept out while shared holders hold, and names them.
	e := claimed(t)
	if _, err := take(e, "tcp-mem", true, 0, nil); !errors.Is(err, ErrRefused) {
		t.Errorf("exclusive beside a shared holder: err = %v, want ErrRefused", err)
	} else if !strings.Contains(err.Error(), c.RunID) {
		t.Errorf("the refusal does not name the shared holder %s: %v", c.RunID, err)
	}
}
