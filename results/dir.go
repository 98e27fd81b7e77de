package results

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/c1m-testbed/c1m-testbed/internal/atomicfile"
)

// ErrUnsafeDir means a results directory was refused because writing into
// it could harm something else: it is a symbolic link, it holds files that
// are not a previous run's results, or an entry inside it is not what it
// should be. The error message says what to do instead.
var ErrUnsafeDir = errors.New("unsafe results directory")

// maxReadSize bounds what ReadFile reads: samples.csv (MaxSamplesSize),
// the largest file of a results directory.
const maxReadSize = MaxSamplesSize

// Dir is a results directory opened for reading and writing through an
// os.Root: no name used through it can leave the directory, and no
// symbolic link inside it is ever followed (a link where a file or
// directory is to be written is replaced; one where a file is to be read
// is refused).
type Dir struct {
	path string
	root *os.Root
}

// CreateDir prepares a results directory for a new run: a missing one is
// made (parents too); an existing empty one is used; an existing non-empty
// one is refused unless it is a previous results directory of ours (it
// holds a run.json or samples.csv that we wrote), and a symbolic link as the
// directory itself is refused. Errors wrap ErrUnsafeDir with a message
// saying what to do. Symbolic links among the parents of path are
// followed, as the user typed them.
func CreateDir(path string) (*Dir, error) {
	return CreateDirFor(path, isResultsDir, "a previous results directory")
}

// CreateDirFor is CreateDir with the test of what counts as our own
// previous output (results for a run, a comparison for compare) and its
// name for error messages.
func CreateDirFor(path string, ours func(*Dir) bool, what string) (*Dir, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: the directory name is empty; name a new directory", ErrUnsafeDir)
	}
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(path, 0o755); err != nil {
			return nil, fmt.Errorf("failed to create the directory %s (is its parent writable?): %w", path, err)
		}
	}
	d, err := OpenDir(path)
	if err != nil {
		return nil, err
	}
	f, err := d.root.Open(".")
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("failed to list %s: %w", path, err)
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if err != nil && err != io.EOF {
		d.Close()
		return nil, fmt.Errorf("failed to list %s: %w", path, err)
	}
	if len(names) > 0 && !ours(d) {
		d.Close()
		return nil, fmt.Errorf("%w: %s already exists and is not empty, and it is not %s of c1m-testbed; name a new or empty directory, or remove this one", ErrUnsafeDir, path, what)
	}
	return d, nil
}

// isResultsDir reports whether d holds a run.json or samples.csv that we
// wrote: a regular run.json that is a JSON object with our "version" and
// "run_id" fields, or a regular samples.csv that starts with our header.
func isResultsDir(d *Dir) bool {
	if data, err := d.ReadHead(RunFile, 4096); err == nil {
		s := string(data)
		if strings.HasPrefix(strings.TrimSpace(s), "{") && strings.Contains(s, `"version"`) && strings.Contains(s, `"run_id"`) {
			return true
		}
	}
	if data, err := d.ReadHead(SamplesFile, 64); err == nil && strings.HasPrefix(string(data), "seconds,phase,") {
		return true
	}
	return false
}

// OpenDir opens an existing results directory (for `report DIR` and
// compare); it refuses a symbolic link as the directory itself.
func OpenDir(path string) (*Dir, error) {
	if path == "" {
		return nil, fmt.Errorf("%s: %w: the directory name is empty", path, ErrNotResults)
	}
	before, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrNotResults, err)
	}
	if before.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%w: %s is a symbolic link; name the directory it points to instead", ErrUnsafeDir, path)
	}
	if !before.IsDir() {
		return nil, fmt.Errorf("%s: %w: it is not a directory", path, ErrNotResults)
	}
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open the directory %s: %w", path, err)
	}
	if err := sameDir(root, ".", before); err != nil {
		root.Close()
		return nil, fmt.Errorf("%w: %s was replaced while it was being opened; try again", ErrUnsafeDir, path)
	}
	return &Dir{path: path, root: root}, nil
}

// sameDir checks that name, opened in root, is the directory before
// described (it was not swapped between the Lstat and the open).
func sameDir(root *os.Root, name string, before fs.FileInfo) error {
	after, err := root.Stat(name)
	if err != nil {
		return err
	}
	if !os.SameFile(before, after) {
		return ErrUnsafeDir
	}
	return nil
}

// Path returns the directory's path as it was given.
func (d *Dir) Path() string { return d.path }

// Join returns the path of name inside the directory, for messages.
func (d *Dir) Join(name string) string { return filepath.Join(d.path, filepath.FromSlash(name)) }

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// split checks a slash-separated name relative to the directory and returns
// its directory part (possibly "") and its final component.
func split(name string) (dir, base string, err error) {
	clean := path.Clean(name)
	if name == "" || path.IsAbs(name) || clean != name || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", "", fmt.Errorf("%w: %q is not a plain name inside the results directory", ErrUnsafeDir, name)
	}
	dir, base = path.Split(clean)
	return strings.TrimSuffix(dir, "/"), base, nil
}

// sub opens the subdirectory rel ("" is the directory itself) without
// following a symbolic link at any component. With create, missing
// components are made and a symbolic link in the way is replaced by a
// directory; without, a link is refused.
func (d *Dir) sub(rel string, create bool) (*os.Root, error) {
	cur, err := d.root.OpenRoot(".")
	if err != nil {
		return nil, fmt.Errorf("failed to open %s: %w", d.path, err)
	}
	if rel == "" {
		return cur, nil
	}
	done := ""
	for _, c := range strings.Split(rel, "/") {
		done = path.Join(done, c)
		next, err := openChild(cur, c, create)
		cur.Close()
		if err != nil {
			return nil, fmt.Errorf("failed to open the directory %s: %w", d.Join(done), err)
		}
		cur = next
	}
	return cur, nil
}

// openChild opens the directory c in parent, never through a symbolic link.
func openChild(parent *os.Root, c string, create bool) (*os.Root, error) {
	for range 3 {
		fi, err := parent.Lstat(c)
		switch {
		case errors.Is(err, fs.ErrNotExist) && create:
			if err := parent.Mkdir(c, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, err
			}
			continue
		case err != nil:
			return nil, err
		case fi.Mode()&fs.ModeSymlink != 0 && create:
			// A link planted where our directory goes: remove the link
			// itself (never its target) and make the directory.
			if err := parent.Remove(c); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%w: it is a symbolic link that could not be removed: %w", ErrUnsafeDir, err)
			}
			continue
		case !fi.IsDir():
			return nil, fmt.Errorf("%w: it is not a directory (%s); remove it", ErrUnsafeDir, fi.Mode().Type())
		}
		r, err := parent.OpenRoot(c)
		if err != nil {
			return nil, err
		}
		if err := sameDir(r, ".", fi); err != nil {
			r.Close()
			return nil, fmt.Errorf("%w: it was replaced while it was being opened", ErrUnsafeDir)
		}
		return r, nil
	}
	return nil, fmt.Errorf("%w: it keeps changing while it is being opened; is another program writing there?", ErrUnsafeDir)
}

// MkdirAll makes the subdirectory name (slash-separated, inside the
// directory) and its parents; a symbolic link in the way is replaced by a
// directory, never followed.
func (d *Dir) MkdirAll(name string) error {
	if _, _, err := split(name); err != nil {
		return err
	}
	r, err := d.sub(name, true)
	if err != nil {
		return err
	}
	return r.Close()
}

// WriteFile writes name (slash-separated, inside the directory; its
// parents are made) atomically: a temporary file beside it is created
// O_CREAT|O_EXCL|O_NOFOLLOW (mode 0644), written, fsynced and renamed over
// name. An existing symbolic link at name is replaced, never followed. On
// any failure the temporary file is removed and the error says so, so a
// full disk leaves no temporary file behind.
func (d *Dir) WriteFile(name string, data []byte) error {
	dir, base, err := split(name)
	if err != nil {
		return err
	}
	r, err := d.sub(dir, true)
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", d.Join(name), err)
	}
	defer r.Close()
	if err := atomicfile.Write(r, base, data, 0o644); err != nil {
		hint := ""
		if atomicfile.DiskFull(err) {
			hint = " (the disk is full: free some space and try again)"
		}
		var left *atomicfile.TempLeftError
		if errors.As(err, &left) {
			return fmt.Errorf("failed to write %s%s: %w", d.Join(name), hint, err)
		}
		return fmt.Errorf("failed to write %s%s: %w; the temporary file was removed", d.Join(name), hint, err)
	}
	return nil
}

// CreateStream creates name for streaming (samples.csv during a run): an
// existing entry (a file or a symbolic link) is removed first, without
// following it, then name is created O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644.
func (d *Dir) CreateStream(name string) (*os.File, error) {
	dir, base, err := split(name)
	if err != nil {
		return nil, err
	}
	r, err := d.sub(dir, true)
	if err != nil {
		return nil, fmt.Errorf("failed to create %s: %w", d.Join(name), err)
	}
	defer r.Close()
	if fi, err := r.Lstat(base); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("failed to create %s: %w: it is a directory; remove it", d.Join(name), ErrUnsafeDir)
		}
		if err := r.Remove(base); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("failed to replace %s: %w", d.Join(name), err)
		}
	}
	f, err := r.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, fmt.Errorf("failed to create %s (is the directory writable? did something else create it meanwhile?): %w", d.Join(name), err)
	}
	return f, nil
}

// ReadFile reads name (slash-separated, inside the directory). A symbolic
// link, at name or at any directory on the way, is refused with
// ErrUnsafeDir, and so is anything but a regular file (a FIFO or a device
// is never opened for reading) and a file with more than one hard link (a
// hard link is another name for a file elsewhere, as a symbolic link is);
// a missing file gives fs.ErrNotExist; a file larger than maxReadSize is
// refused from its size, before it is read, with ErrOutOfBounds.
func (d *Dir) ReadFile(name string) ([]byte, error) {
	return d.read(name, maxReadSize, true)
}

// ReadHead reads at most n bytes of name, with ReadFile's checks.
func (d *Dir) ReadHead(name string, n int64) ([]byte, error) {
	return d.read(name, n, false)
}

// read reads name with ReadFile's checks; whole refuses a file larger than
// limit, else only its first limit bytes are read.
func (d *Dir) read(name string, limit int64, whole bool) ([]byte, error) {
	f, size, err := d.openRead(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if whole && size > limit {
		return nil, fmt.Errorf("%s: %w: it is larger than %d MiB; it was not read", d.Join(name), ErrOutOfBounds, limit>>20)
	}
	// Room for the size fstat gave and a little more: a file that grows
	// meanwhile is read up to limit+1 bytes, never more.
	buf := bytes.NewBuffer(make([]byte, 0, min(size, limit)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > limit {
		if whole {
			return nil, fmt.Errorf("%s: %w: it grew past %d MiB while it was being read; it was not read", d.Join(name), ErrOutOfBounds, limit>>20)
		}
		data = data[:limit]
	}
	return data, nil
}

// openRead opens name for reading, with ReadFile's checks, and returns its
// size: a symbolic link (at name or on the way) or anything but a regular
// file with one link is refused with ErrUnsafeDir. The file is opened
// O_NONBLOCK|O_NOFOLLOW and checked with fstat before any read, so a FIFO
// or a device swapped in after the Lstat is never read from and never
// blocks.
func (d *Dir) openRead(name string) (*os.File, int64, error) {
	dir, base, err := split(name)
	if err != nil {
		return nil, 0, err
	}
	r, err := d.sub(dir, false)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	fi, err := r.Lstat(base)
	if err != nil {
		return nil, 0, err
	}
	if err := regularFile(d.Join(name), fi); err != nil {
		return nil, 0, err
	}
	f, err := r.OpenFile(base, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err == nil && !os.SameFile(fi, st) {
		err = fmt.Errorf("%w: %s was replaced while it was being opened; it was not read", ErrUnsafeDir, d.Join(name))
	}
	if err == nil {
		err = regularFile(d.Join(name), st)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// regularFile refuses anything but a regular file with a single link.
func regularFile(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file (%s); it was not read", ErrUnsafeDir, path, fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return fmt.Errorf("%w: %s has %d hard links (another name for a file elsewhere, like a symbolic link); it was not read: copy the file instead of linking it", ErrUnsafeDir, path, st.Nlink)
	}
	return nil
}

// exists reports whether name is present (as anything, links included).
// Has reports whether name (slash-separated, inside the directory) is
// there, without following a link at its end.
func (d *Dir) Has(name string) bool { return d.exists(name) }

func (d *Dir) exists(name string) bool {
	_, err := d.root.Lstat(name)
	return err == nil
}
