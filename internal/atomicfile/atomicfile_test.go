package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func openRoot(t *testing.T) (string, *os.Root) {
	t.Helper()
	dir := t.TempDir()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return dir, r
}

// leftovers lists what is in dir besides want.
func leftovers(t *testing.T, dir string, want ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		keep := false
		for _, w := range want {
			keep = keep || e.Name() == w
		}
		if !keep {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteReplacesWhole(t *testing.T) {
	dir, r := openRoot(t)
	for _, content := range []string{"first\n", "second, longer\n"} {
		if err := Write(r, "f.json", []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "f.json"))
		if string(got) != content {
			t.Errorf("f.json = %q, want %q", got, content)
		}
	}
	if st, _ := os.Stat(filepath.Join(dir, "f.json")); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if left := leftovers(t, dir, "f.json"); left != nil {
		t.Errorf("left behind: %v", left)
	}
}

// TestWriteNeverFollowsLinks: a link planted at the name is replaced by a
// file; its target keeps its content.
func TestWriteNeverFollowsLinks(t *testing.T) {
	dir, r := openRoot(t)
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("untouched"), 0o644)
	if err := os.Symlink(victim, filepath.Join(dir, "f.json")); err != nil {
		t.Fatal(err)
	}
	if err := Write(r, "f.json", []byte("ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "untouched" {
		t.Errorf("the link's target was written: %q", got)
	}
	if st, err := os.Lstat(filepath.Join(dir, "f.json")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("f.json is not a regular file now: %v, %v", st, err)
	}
}

// TestWriteFailureLeavesNoTemp: a rename that fails (the name is a
// non-empty directory) returns the error and removes the temporary file.
func TestWriteFailureLeavesNoTemp(t *testing.T) {
	dir, r := openRoot(t)
	os.MkdirAll(filepath.Join(dir, "busy", "inside"), 0o755)
	if err := Write(r, "busy", []byte("x"), 0o644); err == nil {
		t.Fatal("writing over a non-empty directory succeeded")
	}
	if left := leftovers(t, dir, "busy"); left != nil {
		t.Errorf("left behind: %v", left)
	}
}
