package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// victim is a file outside the results directory that a planted link
// points at; the tests check it is never written.
func victim(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "victim.txt")
	if err := os.WriteFile(p, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func assertUntouched(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "precious\n" {
		t.Errorf("%s was written through a link: %q, %v", path, data, err)
	}
}

func assertRegular(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		t.Errorf("%s is not a regular file: %v, %v", path, fi, err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func noTemporaries(t *testing.T, dir string) {
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

// The tests below plant links the way a hostile local user would; they
// need no privilege to do so, so they run as any user (as root they show
// that root's writes are not redirected either).

func TestDirWriteFileReplacesLink(t *testing.T) {
	dir := t.TempDir()
	v := victim(t)
	symlink(t, v, filepath.Join(dir, "report.md"))
	symlink(t, v, filepath.Join(dir, "run.json.tmp"))
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, name := range []string{"report.md", "run.json.tmp", "charts/x.png"} {
		if err := d.WriteFile(name, []byte("ours\n")); err != nil {
			t.Fatalf("WriteFile(%s): %v", name, err)
		}
		assertRegular(t, filepath.Join(dir, name))
	}
	assertUntouched(t, v)
	noTemporaries(t, dir)
}

func TestDirCreateStreamReplacesLink(t *testing.T) {
	dir := t.TempDir()
	v := victim(t)
	symlink(t, v, filepath.Join(dir, SamplesFile))
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
	assertRegular(t, filepath.Join(dir, SamplesFile))
	assertUntouched(t, v)
}

// TestGenerateIgnoresPlantedLinks: report DIR with report.md, report.html,
// charts/ and run.json.tmp planted as links writes only inside DIR.
func TestGenerateIgnoresPlantedLinks(t *testing.T) {
	dir := copyResults(t, "fin")
	v := victim(t)
	elsewhere := t.TempDir()
	for _, name := range []string{MarkdownFile, HTMLFile, RunFile + ".tmp"} {
		symlink(t, v, filepath.Join(dir, name))
	}
	symlink(t, elsewhere, filepath.Join(dir, ChartsDir))
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatalf("GenerateFiles: %v", err)
	}
	assertUntouched(t, v)
	assertRegular(t, filepath.Join(dir, MarkdownFile))
	assertRegular(t, filepath.Join(dir, HTMLFile))
	if fi, err := os.Lstat(filepath.Join(dir, ChartsDir)); err != nil || !fi.IsDir() {
		t.Errorf("charts is not a real directory after the report: %v, %v", fi, err)
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("the report wrote %d files through the charts link", len(ents))
	}
	noTemporaries(t, dir)
}

// TestLoadRefusesLinkedInputs: run.json and samples.csv as links (to files
// that look like results) are not read, and a FIFO does not hang.
func TestLoadRefusesLinkedInputs(t *testing.T) {
	src := filepath.Join("testdata", "fin")
	abs, _ := filepath.Abs(src)
	dir := t.TempDir()
	symlink(t, filepath.Join(abs, RunFile), filepath.Join(dir, RunFile))
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
	real := copyResults(t, "fin")
	link := filepath.Join(t.TempDir(), "link")
	symlink(t, real, link)
	for name, f := range map[string]func(string) (*Dir, error){"OpenDir": OpenDir, "CreateDir": CreateDir} {
		if _, err := f(link); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("%s(symlink) = %v, want ErrUnsafeDir", name, err)
		}
	}
	if _, err := GenerateFiles(link); !errors.Is(err, ErrUnsafeDir) {
		t.Errorf("GenerateFiles(symlink) = %v, want ErrUnsafeDir", err)
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
	symlink(t, filepath.Join(ours, RunFile), filepath.Join(linked, RunFile))
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

func TestCompareOutDir(t *testing.T) {
	fin, rst := copyResults(t, "fin"), copyResults(t, "rst")
	out := filepath.Join(t.TempDir(), "cmp")
	if _, err := CompareFiles(out, fin, rst); err != nil {
		t.Fatalf("CompareFiles: %v", err)
	}
	// Again into the same directory, with links planted in it.
	v, elsewhere := victim(t), t.TempDir()
	os.Remove(filepath.Join(out, CompareHTMLFile))
	symlink(t, v, filepath.Join(out, CompareHTMLFile))
	os.RemoveAll(filepath.Join(out, ChartsDir))
	symlink(t, elsewhere, filepath.Join(out, ChartsDir))
	if _, err := CompareFiles(out, fin, rst); err != nil {
		t.Fatalf("CompareFiles into its previous output: %v", err)
	}
	assertUntouched(t, v)
	assertRegular(t, filepath.Join(out, CompareHTMLFile))
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("compare wrote %d files through the charts link", len(ents))
	}
	// A foreign non-empty directory and a link are refused.
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "x"), nil, 0o644)
	link := filepath.Join(t.TempDir(), "link")
	symlink(t, out, link)
	for _, o := range []string{foreign, link} {
		if _, err := CompareFiles(o, fin, rst); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("CompareFiles(--out %s) = %v, want ErrUnsafeDir", o, err)
		}
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
		t.Skip("needs root to mount a small tmpfs; run as root: go test -run TestDirWriteFileDiskFull ./report/")
	}
	mnt := mountTiny(t, "64k")
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
	noTemporaries(t, d.Path())
	if _, err := os.Lstat(filepath.Join(d.Path(), RunFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a partial %s was left: %v", RunFile, err)
	}
	// The report of a directory on a full disk fails the same way.
	f, err := d.CreateStream(SamplesFile)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Join(Header(), ",") + "\n")
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
	noTemporaries(t, d.Path())
	noTemporaries(t, filepath.Join(d.Path(), ChartsDir))
}

// TestLoadLeftTemporary: a run killed while writing run.json leaves
// run.json.tmp-<random> (or run.json.tmp from older versions); Load reads
// it and says so.
func TestLoadLeftTemporary(t *testing.T) {
	for _, name := range []string{RunFile + ".tmp-0123abcd", RunFile + ".tmp"} {
		dir := copyResults(t, "fin")
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
