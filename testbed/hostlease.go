package testbed

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/atomicfile"
	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// HostLockFile is the lock that makes one run at a time the owner of the
// host's settings: a run or lab with a [host] section holds it exclusively
// for its whole life (a lab until 'down'); a run that changes nothing on
// the host holds it shared, so such runs go side by side. The kernel
// drops the lock when its holder dies, so kill -9 never leaves it taken.
var HostLockFile = filepath.Join(topology.RunDir, "host.lock")

// DefaultHostWait is how long a run waits for the host lock when
// Options.HostWait is 0.
const DefaultHostWait = 30 * time.Second

// metPrefix files, in a run's record directory beside its
// lab.HolderFile, name the runs that started while it held the host lock
// (each newcomer leaves one), so that a run learns of every run it
// overlapped, also of one that came and went in between.
const metPrefix = "host-met-"

// hostLease is a run's hold on the host lock.
type hostLease struct {
	fd    int
	dir   string // the run's record directory
	self  lab.Holder
	first []string // other holders seen when the lease was taken
}

// acquireHost takes the host lock for the run whose record directory is
// dir: exclusively when the run changes host settings, shared otherwise.
// While another run holds it in a conflicting way, say is told once who
// it is and the wait goes on for at most wait (negative: not at all); then
// the error wraps ErrRefused and names the holder. The run must have been
// claimed (dir exists).
func acquireHost(ctx context.Context, dir string, self lab.Holder, wait time.Duration, say func(string)) (*hostLease, error) {
	fd, err := unix.Open(HostLockFile, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: failed to open the host lock %s: %w", ErrRefused, HostLockFile, err)
	}
	how := unix.LOCK_SH
	if self.Exclusive {
		how = unix.LOCK_EX
	}
	deadline := time.Now().Add(wait)
	told := false
	for {
		err = unix.Flock(fd, how|unix.LOCK_NB)
		if err == nil {
			break
		}
		if err != unix.EWOULDBLOCK && err != unix.EINTR {
			unix.Close(fd)
			return nil, fmt.Errorf("%w: failed to take the host lock %s: %w", ErrRefused, HostLockFile, err)
		}
		if err == unix.EINTR {
			continue
		}
		holders := describeHolders(lab.Holders(self.RunID))
		if !time.Now().Before(deadline) {
			unix.Close(fd)
			return nil, hostBusyError(self, holders, wait)
		}
		if !told && say != nil {
			say(fmt.Sprintf("waiting up to %s for the host: it is held by %s", wait.Round(time.Second), holders))
			told = true
		}
		select {
		case <-ctx.Done():
			unix.Close(fd)
			return nil, fmt.Errorf("%w: interrupted while waiting for the host lock held by %s", ErrRefused, holders)
		case <-time.After(200 * time.Millisecond):
		}
	}
	l := &hostLease{fd: fd, dir: dir, self: self}
	data, _ := json.Marshal(self)
	if err := writeNew(filepath.Join(dir, lab.HolderFile), append(data, '\n'), 0o600); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%w: failed to record this run as the host's holder: %w", ErrRefused, err)
	}
	// Tell every other holder that we came, so that it knows it shared
	// the host with us even when we are gone before it ends.
	for _, h := range lab.Holders(self.RunID) {
		l.first = append(l.first, h.RunID)
		_ = writeNew(filepath.Join(topology.RunDir, h.RunID, metPrefix+self.RunID), nil, 0o600)
	}
	return l, nil
}

// hostBusyError is the refusal after waiting in vain for the host lock.
func hostBusyError(self lab.Holder, holders string, wait time.Duration) error {
	what := "changes nothing on the host but another run changes its settings"
	if self.Exclusive {
		what = "changes host settings, and only one such run may own the host at a time"
	}
	return fmt.Errorf("%w: the host is held by %s: this run %s; waited %s (--wait); try again when it ends, or stop it ('sudo c1m-testbed down ID' for a lab)",
		ErrRefused, holders, what, wait.Round(time.Second))
}

// describeHolders joins the holders for a message.
func describeHolders(hs []lab.Holder) string {
	if len(hs) == 0 {
		return "another process (it has not said who it is yet)"
	}
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = h.String()
	}
	return strings.Join(s, "; ")
}

// sharedWith lists the other runs that held the host lock at some time
// while this lease was held: those seen when it was taken, those that
// left a note since, and those that hold it now.
func (l *hostLease) sharedWith() []string {
	ids := append([]string(nil), l.first...)
	if ents, err := os.ReadDir(l.dir); err == nil {
		for _, e := range ents {
			if id, ok := strings.CutPrefix(e.Name(), metPrefix); ok {
				ids = append(ids, id)
			}
		}
	}
	for _, h := range lab.Holders(l.self.RunID) {
		ids = append(ids, h.RunID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// release gives the lock up: the holder file goes first, so nobody takes
// a released lease for a live holder. Releasing twice is fine.
func (l *hostLease) release() {
	if l == nil || l.fd < 0 {
		return
	}
	_ = os.Remove(filepath.Join(l.dir, lab.HolderFile))
	unix.Close(l.fd)
	l.fd = -1
}

// writeNew writes a small file in a directory of ours, never through a
// symbolic link (atomicfile.Write, confined to the file's directory).
func writeNew(path string, data []byte, mode os.FileMode) error {
	r, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer r.Close()
	return atomicfile.Write(r, filepath.Base(path), data, mode)
}
