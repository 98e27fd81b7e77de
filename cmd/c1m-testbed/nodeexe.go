package main

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"
)

// nodeBinary is the lean worker's file name: c1m-testbed looks for it in
// its own directory (docs/nodes.md, "Lean by default").
const nodeBinary = "c1m-node"

// nodeSelf is the --node-exe value that forces the workers to be this
// binary re-executed even when a c1m-node lies beside it.
const nodeSelf = "self"

// siblingSkew is how far apart in time c1m-testbed and the c1m-node beside
// it may have been built for the two to count as one build: one
// `go build -o DIR/ ./cmd/c1m-testbed ./cmd/c1m-node` writes both within
// seconds; a c1m-node left from an older build would speak an older
// protocol.
const siblingSkew = 2 * time.Minute

// nodeExe returns the worker binary for testbed.Options.Exe ("" = this
// binary re-executed) and a line to print about the choice ("" = nothing
// to say). flagValue is --node-exe: a path or name is used as given,
// "self" forces re-execution, and "" looks for c1m-node beside this
// binary and takes it when it is a c1m-node of the same build.
func nodeExe(flagValue string) (exe, note string, err error) {
	switch flagValue {
	case nodeSelf:
		return "", "", nil
	case "":
		self, err := os.Executable()
		if err != nil {
			return "", "", nil // testbed reports it when it needs the path
		}
		if p, err := filepath.EvalSymlinks(self); err == nil {
			self = p
		}
		return siblingNode(self)
	}
	abs, err := exec.LookPath(flagValue)
	if err == nil {
		abs, err = filepath.Abs(abs)
	}
	if err != nil {
		return "", "", fmt.Errorf("--node-exe %s cannot be run: %w (build it with 'go build -o bin/ ./cmd/c1m-testbed ./cmd/c1m-node', or pass --node-exe self)", flagValue, err)
	}
	return abs, "", nil
}

// siblingNode checks the c1m-node beside self: a missing one is no news
// (the workers are self re-executed); one that is not this build's is
// skipped with a note saying how to fix it.
func siblingNode(self string) (exe, note string, err error) {
	sib := filepath.Join(filepath.Dir(self), nodeBinary)
	fi, err := os.Stat(sib)
	if err != nil {
		return "", "", nil
	}
	skip := func(why string) (string, string, error) {
		return "", fmt.Sprintf("workers: not using %s (%s): each worker re-executes %s, ~1 MB larger; build both with one line: go build -o %s/ ./cmd/c1m-testbed ./cmd/c1m-node",
			sib, why, filepath.Base(self), filepath.Dir(self)), nil
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return skip("not an executable file")
	}
	bi, err := buildinfo.ReadFile(sib)
	if err != nil {
		return skip("not a Go program: " + err.Error())
	}
	mine, ok := debug.ReadBuildInfo()
	if !ok || bi.Path != mine.Main.Path+"/cmd/"+nodeBinary || bi.Main.Path != mine.Main.Path {
		return skip(fmt.Sprintf("it is %s, not this module's cmd/%s", bi.Path, nodeBinary))
	}
	if bi.GoVersion != runtime.Version() || bi.Main.Version != mine.Main.Version || vcsRevision(bi) != vcsRevision(mine) {
		return skip(fmt.Sprintf("another build: %s %s %s, this is %s %s %s",
			bi.GoVersion, bi.Main.Version, vcsRevision(bi), runtime.Version(), mine.Main.Version, vcsRevision(mine)))
	}
	if me, err := os.Stat(self); err == nil {
		if d := fi.ModTime().Sub(me.ModTime()).Abs(); d > siblingSkew {
			return skip(fmt.Sprintf("built %s apart from it, so perhaps from other sources", d.Round(time.Second)))
		}
	}
	return sib, "workers: " + sib + " (the lean worker beside " + filepath.Base(self) + "; --node-exe self re-executes " + filepath.Base(self) + " instead)", nil
}

// vcsRevision is the commit a binary was built from, with "+dirty" for a
// modified tree, or "" when the build did not record it.
func vcsRevision(bi *debug.BuildInfo) string {
	var rev, mod string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			mod = s.Value
		}
	}
	if mod == "true" {
		rev += "+dirty"
	}
	return rev
}
