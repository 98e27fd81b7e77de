// Package resultstest gives tests the results directories of
// results/testdata and a small disk to fill.
package resultstest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// Testdata is the directory of the fixtures: synthetic and recorded
// results directories (results/testdata).
func Testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// Copy copies the fixture results/testdata/NAME into a temporary
// directory, so that a test never writes into testdata, and returns it.
func Copy(t testing.TB, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(Testdata(), name)
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TinyDisk mounts a tmpfs of the given size (as mount's size= option) on
// a new temporary directory, unmounted when the test ends; the test is
// skipped where a tmpfs cannot be mounted (not root).
func TinyDisk(t testing.TB, size string) string {
	t.Helper()
	mnt := t.TempDir()
	if err := unix.Mount("tmpfs", mnt, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size="+size+",mode=0755"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); the disk-full test needs it", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(mnt, unix.MNT_DETACH); err != nil {
			t.Errorf("failed to unmount %s: %v", mnt, err)
		}
	})
	return mnt
}
