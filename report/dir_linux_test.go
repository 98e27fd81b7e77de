package report

import (
	"testing"

	"golang.org/x/sys/unix"
)

// mountTiny mounts a tmpfs of the given size on a new temporary directory
// and unmounts it when the test ends.
func mountTiny(t *testing.T, size string) string {
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
