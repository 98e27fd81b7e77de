package results

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// The tests below plant links the way a hostile local user would; they
// need no privilege to do so, so they run as any user (as root they show
// that root's writes are not redirected either).

func TestDirWriteFileReplacesLink(t *testing.T) {
	dir := t.TempDir()
	v := resultstest.Victim(t)
	resultstest.Symlink(t, v, filepath.Join(dir, "report.md"))
	resultstest.Symlink(t, v, filepath.Join(dir, "run.json.tmp"))
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, name := range []string{"report.md", "run.json.tmp", "charts/x.png"} {
		if err := d.WriteFile(name, []byte("ours\n")); err != nil {
			t.Fatalf("WriteFile(%s): %v", name, err)
		}
		resultstest.AssertRegular(t, filepath.Join(dir, name))
	}
	resultstest.AssertUntouched(t, v)
	resultstest.NoTemporaries(t, dir)
}

func TestDirCreateStreamReplacesLink(t *testing.T) {
	dir := t.TempDir()
	v := resultstest.Victim(t)
	resultstest.Symlink(t, v, filepath.Join(dir, SamplesFile))
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, err := d.CreateStream(SamplesFile)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Join(Header(), ",") + "\n")
	f.Close()
	resultstest.AssertRegular(t, filepath.Join(dir, SamplesFile))
	resultstest.AssertUntouched(t, v)
}

// TestLoadRefusesLinkedInputs: run.json and samples.csv as links (to files
// that look like results) are not read, and a FIFO does not hang.
func TestLoadRefusesLinkedInputs(t *testing.T) {
	src := filepath.Join(testdata, "fin")
	abs, _ := filepath.Abs(src)
	dir := t.TempDir()
	resultstest.Symlink(t, filepath.Join(abs, RunFile), filepath.Join(dir, RunFile))
	if err := syscall.Mkfifo(filepath.Join(dir, SamplesFile), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if run.Record != nil || run.Samples != nil {
		t.Errorf("Load read through a link or a FIFO: record %v, samples %v", run.Record != nil, run.Samples != nil)
	}
	if got := strings.Join(run.Notices, " "); !strings.Contains(got, "not a regular file") {
		t.Errorf("notices %q do not say the files were refused", got)
	}
}

func TestOpenDirRefusesLink(t *testing.T) {
	real := resultstest.Copy(t, "fin")
	link := filepath.Join(t.TempDir(), "link")
	resultstest.Symlink(t, real, link)
	for name, f := range map[string]func(string) (*Dir, error){"OpenDir": OpenDir, "CreateDir": CreateDir} {
		if _, err := f(link); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("%s(symlink) = %v, want ErrUnsafeDir", name, err)
		}
	}
}

func TestCreateDir(t *testing.T) {
	base := t.TempDir()
	write := func(dir, name, data string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ours := filepath.Join(base, "ours")
	write(ours, RunFile, `{"version": 2, "run_id": "x1"}`)
	oursSamples := filepath.Join(base, "samples-only")
	write(oursSamples, SamplesFile, strings.Join(Header(), ",")+"\n")
	foreign := filepath.Join(base, "foreign")
	write(foreign, "notes.txt", "mine")
	fakeJSON := filepath.Join(base, "fake-json")
	write(fakeJSON, RunFile, `[1, 2, 3]`)
	linked := filepath.Join(base, "linked")
	if err := os.Mkdir(linked, 0o755); err != nil {
		t.Fatal(err)
	}
	resultstest.Symlink(t, filepath.Join(ours, RunFile), filepath.Join(linked, RunFile))
	empty := filepath.Join(base, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	write(base, "file", "x")

	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{filepath.Join(base, "new", "deeper"), true},
		{empty, true},
		{ours, true},
		{oursSamples, true},
		{foreign, false},
		{fakeJSON, false},
		{linked, false}, // run.json is a link: not ours
		{file, false},
		{"", false},
	} {
		d, err := CreateDir(tc.path)
		if tc.ok {
			if err != nil {
				t.Errorf("CreateDir(%s): %v", tc.path, err)
				continue
			}
			if fi, err := os.Stat(tc.path); err != nil || !fi.IsDir() {
				t.Errorf("CreateDir(%s) made no directory", tc.path)
			}
			d.Close()
			continue
		}
		if err == nil {
			d.Close()
			t.Errorf("CreateDir(%s) accepted it", tc.path)
		} else if !errors.Is(err, ErrUnsafeDir) && !errors.Is(err, ErrNotResults) {
			t.Errorf("CreateDir(%s) = %v, want ErrUnsafeDir", tc.path, err)
		}
	}
	if _, err := CreateDir(foreign); err == nil || !strings.Contains(err.Error(), "name a new or empty directory") {
		t.Errorf("the refusal does not say what to do: %v", err)
	}
}

func TestDirNames(t *testing.T) {
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, name := range []string{"", ".", "..", "../x", "/etc/passwd", "a/../b", "a//b", "charts/"} {
		if err := d.WriteFile(name, nil); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("WriteFile(%q) = %v, want ErrUnsafeDir", name, err)
		}
	}
}

// TestDirWriteFileDiskFull fills a 64 KiB tmpfs: WriteFile fails with an
// error that says the disk is full, and leaves no temporary file.
func TestDirWriteFileDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs; run as root: go test -run TestDirWriteFileDiskFull ./results/")
	}
	mnt := resultstest.TinyDisk(t, "64k")
	d, err := CreateDir(filepath.Join(mnt, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.WriteFile("small.txt", []byte("fits\n")); err != nil {
		t.Fatalf("a small file did not fit: %v", err)
	}
	err = d.WriteFile(RunFile, make([]byte, 1<<20))
	if err == nil {
		t.Fatal("WriteFile of 1 MiB into 64 KiB succeeded")
	}
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "disk is full") || !strings.Contains(err.Error(), "temporary file was removed") {
		t.Errorf("error does not say the disk is full and the temporary was removed: %v", err)
	}
	t.Logf("the error: %v", err)
	resultstest.NoTemporaries(t, d.Path())
	if _, err := os.Lstat(filepath.Join(d.Path(), RunFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a partial %s was left: %v", RunFile, err)
	}
}

// TestLoadLeftTemporary: a run killed while writing run.json leaves
// run.json.tmp-<random> (or run.json.tmp from older versions); Load reads
// it and says so.
func TestLoadLeftTemporary(t *testing.T) {
	for _, name := range []string{RunFile + ".tmp-0123abcd", RunFile + ".tmp"} {
		dir := resultstest.Copy(t, "fin")
		if err := os.Rename(filepath.Join(dir, RunFile), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		run, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if run.Record == nil || run.Record.RunID != "20250101T120000Z" {
			t.Errorf("%s: the left temporary was not read", name)
		}
		if got := strings.Join(run.Notices, " "); !strings.Contains(got, "using "+name) {
			t.Errorf("%s: notices %q do not say the temporary was used", name, got)
		}
	}
}
