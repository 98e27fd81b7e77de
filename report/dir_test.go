package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// TestGenerateIgnoresPlantedLinks: report DIR with report.md, report.html,
// charts/ and run.json.tmp planted as links writes only inside DIR.
func TestGenerateIgnoresPlantedLinks(t *testing.T) {
	dir := resultstest.Copy(t, "fin")
	v := resultstest.Victim(t)
	elsewhere := t.TempDir()
	for _, name := range []string{MarkdownFile, HTMLFile, results.RunFile + ".tmp"} {
		resultstest.Symlink(t, v, filepath.Join(dir, name))
	}
	resultstest.Symlink(t, elsewhere, filepath.Join(dir, ChartsDir))
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatalf("GenerateFiles: %v", err)
	}
	resultstest.AssertUntouched(t, v)
	resultstest.AssertRegular(t, filepath.Join(dir, MarkdownFile))
	resultstest.AssertRegular(t, filepath.Join(dir, HTMLFile))
	if fi, err := os.Lstat(filepath.Join(dir, ChartsDir)); err != nil || !fi.IsDir() {
		t.Errorf("charts is not a real directory after the report: %v, %v", fi, err)
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("the report wrote %d files through the charts link", len(ents))
	}
	resultstest.NoTemporaries(t, dir)
}

func TestCompareOutDir(t *testing.T) {
	fin, rst := resultstest.Copy(t, "fin"), resultstest.Copy(t, "rst")
	out := filepath.Join(t.TempDir(), "cmp")
	if _, err := CompareFiles(out, fin, rst); err != nil {
		t.Fatalf("CompareFiles: %v", err)
	}
	// Again into the same directory, with links planted in it.
	v, elsewhere := resultstest.Victim(t), t.TempDir()
	os.Remove(filepath.Join(out, CompareHTMLFile))
	resultstest.Symlink(t, v, filepath.Join(out, CompareHTMLFile))
	os.RemoveAll(filepath.Join(out, ChartsDir))
	resultstest.Symlink(t, elsewhere, filepath.Join(out, ChartsDir))
	if _, err := CompareFiles(out, fin, rst); err != nil {
		t.Fatalf("CompareFiles into its previous output: %v", err)
	}
	resultstest.AssertUntouched(t, v)
	resultstest.AssertRegular(t, filepath.Join(out, CompareHTMLFile))
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("compare wrote %d files through the charts link", len(ents))
	}
	// A foreign non-empty directory and a link are refused.
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "x"), nil, 0o644)
	link := filepath.Join(t.TempDir(), "link")
	resultstest.Symlink(t, out, link)
	for _, o := range []string{foreign, link} {
		if _, err := CompareFiles(o, fin, rst); !errors.Is(err, results.ErrUnsafeDir) {
			t.Errorf("CompareFiles(--out %s) = %v, want results.ErrUnsafeDir", o, err)
		}
	}
}

// TestGenerateRefusesLink: a results directory that is a symbolic link is
// not rendered.
func TestGenerateRefusesLink(t *testing.T) {
	link := filepath.Join(t.TempDir(), "link")
	resultstest.Symlink(t, resultstest.Copy(t, "fin"), link)
	if _, err := GenerateFiles(link); !errors.Is(err, results.ErrUnsafeDir) {
		t.Errorf("GenerateFiles(symlink) = %v, want results.ErrUnsafeDir", err)
	}
}

// TestGenerateDiskFull: the report of a directory on a full disk fails
// with ENOSPC and leaves no temporary file.
func TestGenerateDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs; run as root: go test -run TestGenerateDiskFull ./report/")
	}
	d, err := results.CreateDir(filepath.Join(resultstest.TinyDisk(t, "64k"), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, err := d.CreateStream(results.SamplesFile)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Join(results.Header(), ",") + "\n")
	f.Close()
	fill, err := d.CreateStream("filler")
	if err != nil {
		t.Fatal(err)
	}
	for _, err = fill.Write(make([]byte, 4096)); err == nil; _, err = fill.Write(make([]byte, 4096)) {
	}
	fill.Close()
	if _, err := GenerateDir(d); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("GenerateDir on a full disk = %v, want ENOSPC", err)
	}
	resultstest.NoTemporaries(t, d.Path())
	resultstest.NoTemporaries(t, filepath.Join(d.Path(), ChartsDir))
}
