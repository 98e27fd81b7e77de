// Package atomicfile writes a file so that readers see the old content or
// the new, never half of it, and so that no symbolic link is followed:
// the one implementation behind results (results.Dir) and run records
// (testbed's host lease and lab files).
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// Write writes name inside r: a temporary file beside it is created
// O_CREAT|O_EXCL|O_NOFOLLOW with mode, written, fsynced and renamed over
// name (an existing symbolic link there is replaced, never followed), and
// the directory is fsynced. On failure the temporary file is removed; the
// error wraps the cause and, when the removal failed too, says so.
func Write(r *os.Root, name string, data []byte, mode os.FileMode) error {
	tmp, f, err := createTemp(r, name, mode)
	if err != nil {
		return fmt.Errorf("could not create a temporary file beside %s (is the directory writable?): %w", name, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = r.Rename(tmp, name)
	}
	if err != nil {
		if rmErr := r.Remove(tmp); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			return &TempLeftError{Temp: tmp, Err: err, RemoveErr: rmErr}
		}
		return err
	}
	syncDir(r)
	return nil
}

// TempLeftError is a failed Write whose temporary file could not be
// removed either.
type TempLeftError struct {
	Temp           string // the temporary file's name inside the directory
	Err, RemoveErr error
}

func (e *TempLeftError) Error() string {
	return fmt.Sprintf("%v; the temporary file %s could not be removed either: %v", e.Err, e.Temp, e.RemoveErr)
}

// Unwrap returns the write's own error.
func (e *TempLeftError) Unwrap() error { return e.Err }

// DiskFull reports whether err is the disk or the quota running out.
func DiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// createTemp creates a fresh temporary file beside name.
func createTemp(r *os.Root, name string, mode os.FileMode) (string, *os.File, error) {
	var err error
	for range 5 {
		var b [6]byte
		rand.Read(b[:])
		tmp := name + ".tmp-" + hex.EncodeToString(b[:])
		var f *os.File
		f, err = r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
		if err == nil {
			return tmp, f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	return "", nil, err
}

// syncDir fsyncs a directory so a rename in it survives a crash; a failure
// only weakens durability, so it is ignored.
func syncDir(r *os.Root) {
	if f, err := r.Open("."); err == nil {
		f.Sync()
		f.Close()
	}
}
