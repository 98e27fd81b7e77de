package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// copyTestRun copies results/testdata/NAME into a temporary directory.
func copyTestRun(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{results.RunFile, results.SamplesFile} {
		data, err := os.ReadFile(filepath.Join("..", "..", "results", "testdata", name, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestReportCommandLinks is issue 13's case: `ln -s /tmp/victim.txt
// DIR/report.md; c1m-testbed report DIR` must not touch the victim; the
// link is replaced by the report. A symlinked DIR is refused with exit 2.
func TestReportCommandLinks(t *testing.T) {
	dir := copyTestRun(t, "fin")
	victim := filepath.Join(t.TempDir(), "victim.txt")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, report.MarkdownFile)); err != nil {
		t.Fatal(err)
	}
	if st := runReport([]string{dir}); st != exitOK {
		t.Fatalf("report DIR = %d, want %d", st, exitOK)
	}
	if data, _ := os.ReadFile(victim); string(data) != "precious\n" {
		t.Errorf("report wrote through DIR/report.md into the victim: %q", data)
	}
	if fi, err := os.Lstat(filepath.Join(dir, report.MarkdownFile)); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("report.md is not a regular file: %v, %v", fi, err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if st := runReport([]string{link}); st != exitUsage {
		t.Errorf("report SYMLINK = %d, want %d", st, exitUsage)
	}
}

// TestCompareCommandOut: a non-empty foreign --out is refused with exit 2;
// a fresh one is written.
func TestCompareCommandOut(t *testing.T) {
	fin, rst := copyTestRun(t, "fin"), copyTestRun(t, "rst")
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st := runCompare([]string{fin, rst, "--out", foreign}); st != exitUsage {
		t.Errorf("compare --out FOREIGN = %d, want %d", st, exitUsage)
	}
	out := filepath.Join(t.TempDir(), "fresh")
	if st := runCompare([]string{fin, rst, "--out", out}); st != exitOK {
		t.Errorf("compare --out NEW = %d, want %d", st, exitOK)
	}
	if _, err := os.Stat(filepath.Join(out, report.CompareMarkdownFile)); err != nil {
		t.Errorf("compare wrote no %s: %v", report.CompareMarkdownFile, err)
	}
}
