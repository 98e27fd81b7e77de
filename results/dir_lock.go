package results

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrBusy means another process holds a directory's lock (Lock).
var ErrBusy = errors.New("the directory is in use by another c1m-testbed")

// Lock takes an exclusive lock on the directory itself (flock on its
// descriptor), held until the returned function is called or the process
// ends, so that two processes never work in one directory at once (a
// sweep and its resume). It does not wait: a held lock is ErrBusy.
func (d *Dir) Lock() (unlock func(), err error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("failed to open %s to lock it: %w", d.path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s (wait for it to end, or stop it)", ErrBusy, d.path)
		}
		return nil, fmt.Errorf("failed to lock %s: %w", d.path, err)
	}
	return func() { f.Close() }, nil
}

// RemoveAll removes name (a file or a directory and everything in it)
// through the directory's root: nothing outside the directory is ever
// removed, and no symbolic link is followed. A missing name is no error.
func (d *Dir) RemoveAll(name string) error {
	if _, _, err := split(name); err != nil {
		return err
	}
	if err := d.root.RemoveAll(name); err != nil {
		return fmt.Errorf("failed to remove %s: %w", d.Join(name), err)
	}
	return nil
}
