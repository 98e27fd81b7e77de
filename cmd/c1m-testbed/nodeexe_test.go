package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNodeExeSibling: without --node-exe the workers are the c1m-node
// beside c1m-testbed when it is of the same build, and c1m-testbed itself
// otherwise, with a note saying why the one beside it was skipped.
func TestNodeExeSibling(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "c1m-testbed")
	if err := os.WriteFile(self, []byte("stand-in"), 0o755); err != nil {
		t.Fatal(err)
	}
	sib := filepath.Join(dir, nodeBinary)
	if out, err := exec.Command("go", "build", "-o", sib, "../c1m-node").CombinedOutput(); err != nil {
		t.Fatalf("failed to build c1m-node: %v\n%s", err, out)
	}
	now := time.Now()
	os.Chtimes(self, now, now)
	os.Chtimes(sib, now, now)
	lean, err := os.ReadFile(sib)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		setup    func()
		want     string // exe returned: "" = self
		noteHas  string
		noteNone bool
	}{
		{"same build beside it", func() {}, sib, "lean worker", false},
		{"built long apart", func() { os.Chtimes(sib, now.Add(-time.Hour), now.Add(-time.Hour)) }, "", "apart", false},
		{"not executable", func() { os.Chmod(sib, 0o644) }, "", "not an executable", false},
		{"not a Go program", func() { os.WriteFile(sib, []byte("#!/bin/sh\n"), 0o755) }, "", "not a Go program", false},
		{"none beside it", func() { os.Remove(sib) }, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(sib, lean, 0o755)
			os.Chmod(sib, 0o755)
			os.Chtimes(sib, now, now)
			tc.setup()
			exe, note, err := siblingNode(self)
			if err != nil {
				t.Fatal(err)
			}
			if exe != tc.want {
				t.Errorf("exe = %q, want %q (note %q)", exe, tc.want, note)
			}
			if tc.noteNone && note != "" || !strings.Contains(note, tc.noteHas) {
				t.Errorf("note = %q, want one with %q", note, tc.noteHas)
			}
		})
	}
}

// TestNodeExeFlag: --node-exe self forces re-execution, a missing binary
// is a usage error that says how to build it.
func TestNodeExeFlag(t *testing.T) {
	if exe, note, err := nodeExe(nodeSelf); exe != "" || note != "" || err != nil {
		t.Errorf("self: %q %q %v", exe, note, err)
	}
	if _, _, err := nodeExe("/no/such/c1m-node"); err == nil || !strings.Contains(err.Error(), "go build") {
		t.Errorf("missing binary: %v", err)
	}
}
