package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestRunOutRefusesForeignDir checks that --out naming a non-empty
// directory that is not a results directory of ours is exit 2, before
// anything is built, and that nothing in it is touched.
func TestRunOutRefusesForeignDir(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	dir := t.TempDir()
	keep := filepath.Join(dir, "thesis.txt")
	os.WriteFile(keep, []byte("precious\n"), 0o644)
	code, log := runBinary(t, "run", lockScenario(t, "foreign-out", "1s", ""), "--out", dir, "--no-report")
	if code != exitUsage || !strings.Contains(log, "not empty") {
		t.Errorf("exit %d, want %d saying the directory is not empty:\n%s", code, exitUsage, log)
	}
	if strings.Contains(log, "phase connect") {
		t.Errorf("the run started although --out was refused:\n%s", log)
	}
	if b, _ := os.ReadFile(keep); string(b) != "precious\n" {
		t.Errorf("%s was changed: %q", keep, b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("%s holds %d entries, want only thesis.txt", dir, len(ents))
	}
}

// TestRunOutSymlinkNotFollowed reruns into a previous results directory
// in which samples.csv and run.json were replaced by symbolic links to a
// victim file: the links are replaced, the victim is untouched.
func TestRunOutSymlinkNotFollowed(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	sc := lockScenario(t, "symlink-out", "1s", "")
	out := filepath.Join(t.TempDir(), "out")
	if code, log := runBinary(t, "run", sc, "--out", out, "--no-report"); code != exitOK {
		t.Fatalf("first run: exit %d:\n%s", code, tail(log, 2000))
	}
	victim := filepath.Join(t.TempDir(), "victim.txt")
	os.WriteFile(victim, []byte("do not touch\n"), 0o644)
	for _, name := range []string{"samples.csv", "report.md"} {
		os.Remove(filepath.Join(out, name))
		if err := os.Symlink(victim, filepath.Join(out, name)); err != nil {
			t.Fatal(err)
		}
	}
	code, log := runBinary(t, "run", sc, "--out", out)
	if code != exitOK {
		t.Errorf("second run: exit %d:\n%s", code, tail(log, 2000))
	}
	if b, _ := os.ReadFile(victim); string(b) != "do not touch\n" {
		t.Errorf("the victim behind a planted symbolic link was written: %q", b)
	}
	for _, name := range []string{"samples.csv", "report.md"} {
		if fi, err := os.Lstat(filepath.Join(out, name)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s is not a regular file after the run: %v %v", name, fi, err)
		}
	}
}

// TestRunFullDisk runs into a results directory on a tiny tmpfs: samples
// and run.json cannot all be written, yet the expectations table and the
// verdict's exit status (0: they held) reach the terminal, the write
// error is reported, and no temporary file is left behind.
func TestRunFullDisk(t *testing.T) {
	skipUnlessRoot(t)
	hostlock.Shared(t)
	out := t.TempDir()
	if err := unix.Mount("tmpfs", out, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=8k,mode=0755"); err != nil {
		t.Skipf("skipping: cannot mount a small tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(out, unix.MNT_DETACH) })
	code, log := runBinary(t, "run", lockScenario(t, "full-disk", "2s", ""), "--out", out)
	t.Logf("run on a full disk:\n%s", tail(log, 3000))
	if code != exitOK {
		t.Errorf("exit %d, want the verdict's 0", code)
	}
	for _, want := range []string{"expectations:", "min-established", "results are missing", "disk is full"} {
		if !strings.Contains(log, want) {
			t.Errorf("the output does not say %q", want)
		}
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left in the results directory", e.Name())
		}
	}
}
