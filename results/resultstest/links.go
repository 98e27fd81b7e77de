package resultstest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Victim makes a file outside the results directory that a planted link
// points at; the tests check it is never written.
func Victim(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "victim.txt")
	if err := os.WriteFile(p, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// AssertUntouched fails the test if the victim at path was written.
func AssertUntouched(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "precious\n" {
		t.Errorf("%s was written through a link: %q, %v", path, data, err)
	}
}

// AssertRegular fails the test unless path is a regular file.
func AssertRegular(t testing.TB, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		t.Errorf("%s is not a regular file: %v, %v", path, fi, err)
	}
}

// Symlink plants a symbolic link, as a hostile local user would.
func Symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// NoTemporaries fails the test if dir holds a left temporary file.
func NoTemporaries(t testing.TB, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", filepath.Join(dir, e.Name()))
		}
	}
}
