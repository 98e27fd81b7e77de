package results

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDirLock(t *testing.T) {
	path := t.TempDir()
	a, err := OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	unlock, err := a.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(); !errors.Is(err, ErrBusy) {
		t.Fatalf("a second lock: %v, want ErrBusy", err)
	}
	unlock()
	unlock2, err := b.Lock()
	if err != nil {
		t.Fatalf("the lock after the first was released: %v", err)
	}
	unlock2()
}

// TestDirRemoveAll checks that RemoveAll stays inside the directory: a
// name that leaves it is refused and a link inside it is removed, never
// followed.
func TestDirRemoveAll(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "keep")
	os.WriteFile(victim, []byte("x"), 0o644)
	path := t.TempDir()
	os.MkdirAll(filepath.Join(path, "p1-r1", "charts"), 0o755)
	os.WriteFile(filepath.Join(path, "p1-r1", "run.json"), []byte("{}"), 0o644)
	os.Symlink(outside, filepath.Join(path, "p2-r1"))
	d, err := OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, name := range []string{"p1-r1", "p2-r1", "p3-r1"} {
		if err := d.RemoveAll(name); err != nil {
			t.Errorf("RemoveAll(%s): %v", name, err)
		}
		if _, err := os.Lstat(filepath.Join(path, name)); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", name, err)
		}
	}
	if err := d.RemoveAll("../" + filepath.Base(outside)); err == nil {
		t.Error("RemoveAll of a name outside the directory was accepted")
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("a file outside the directory was removed: %v", err)
	}
}
