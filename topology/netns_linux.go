package topology

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

var netnsDirOnce struct {
	sync.Mutex
	done bool
}

// ensureNetnsDir creates NetnsDir. When it is not a mount point yet and
// still empty it makes it a shared mount as iproute2 does, so that later
// `ip netns add` calls leave it alone. It never does so while namespaces
// are bound there: binding the directory onto itself would copy their
// mounts and leave the originals hidden, so that whoever made them could
// no longer delete them (EBUSY).
func ensureNetnsDir() error {
	netnsDirOnce.Lock()
	defer netnsDirOnce.Unlock()
	if netnsDirOnce.done {
		return nil
	}
	if err := os.MkdirAll(NetnsDir, 0o755); err != nil {
		return fmt.Errorf("failed to create %s (are you root?): %w", NetnsDir, err)
	}
	err := unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if errors.Is(err, unix.EINVAL) { // not a mount point
		if ents, rerr := os.ReadDir(NetnsDir); rerr != nil || len(ents) > 0 {
			netnsDirOnce.done = true
			return nil // a plain directory works too, as with netns.NewNamed
		}
		if err = unix.Mount(NetnsDir, NetnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err == nil {
			err = unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
		}
	}
	if err != nil {
		return fmt.Errorf("failed to make %s a shared mount (are you root?): %w", NetnsDir, err)
	}
	netnsDirOnce.done = true
	return nil
}

// createHere moves the calling thread, which must be locked and must never
// go back to the pool, into a new network namespace and binds it at
// NetnsDir/name, and records its identity in the run's record (see
// recordHere). The thread stays in the new namespace.
func createHere(name string) error {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("failed to create network namespace %s: %w", name, err)
	}
	p := filepath.Join(NetnsDir, name)
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o444)
	if err != nil {
		return fmt.Errorf("failed to create %s (a namespace of that name exists? run `c1m-testbed clean`): %w", p, err)
	}
	unix.Close(fd)
	if err := unix.Mount("/proc/thread-self/ns/net", p, "none", unix.MS_BIND, ""); err != nil {
		os.Remove(p)
		return fmt.Errorf("failed to bind network namespace %s at %s: %w", name, p, err)
	}
	if err := recordHere(name); err != nil {
		deleteNamed(name)
		return err
	}
	return nil
}

// deleteNamed removes the bind mount of namespace name; the kernel frees
// the namespace, and the veths in it, once nothing else holds it. A
// namespace that is already gone counts as deleted.
func deleteNamed(name string) error {
	p := filepath.Join(NetnsDir, name)
	err := unix.Unmount(p, unix.MNT_DETACH)
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("failed to unmount network namespace %s: %w", p, err)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("failed to remove %s: %w", p, err)
	}
	return nil
}

// listNamed lists the namespace names under NetnsDir that start with prefix.
func listNamed(prefix string) ([]string, error) {
	ents, err := os.ReadDir(NetnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to list %s: %w", NetnsDir, err)
	}
	var out []string
	for _, e := range ents {
		if len(e.Name()) >= len(prefix) && e.Name()[:len(prefix)] == prefix {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
