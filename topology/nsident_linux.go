package topology

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// nsID names one network namespace while it exists: the device and inode
// of its nsfs file, as a stat of /run/netns/<name> or /proc/<pid>/ns/net
// shows them (readlink gives "net:[INODE]"). The kernel reuses inodes of
// freed namespaces, so an nsID read from an old record must be confirmed by
// the namespace's cookie before it is trusted.
type nsID struct{ Dev, Ino uint64 }

// String is the form readlink of /proc/<pid>/ns/net shows.
func (id nsID) String() string { return fmt.Sprintf("net:[%d]", id.Ino) }

// nsEntry is one namespace of a run as its record knows it.
type nsEntry struct {
	Name   string
	ID     nsID
	Cookie uint64 // SO_NETNS_COOKIE, never reused while the host runs; 0: unknown
	// Unnamed: the namespace lost its name under NetnsDir and is known only
	// from the record; a process is in it only if its namespace shows Cookie.
	Unnamed bool
}

// label names the namespace for messages.
func (e nsEntry) label() string {
	if e.Unnamed {
		return fmt.Sprintf("%s (no longer named, %s)", e.Name, e.ID)
	}
	return e.Name
}

// nsRecordFile is the file in a run's record directory that lists its
// namespaces, one "name dev ino cookie" line each, written as they are made.
const nsRecordFile = "netns"

var nsRecordMu sync.Mutex

// statNS returns the nsID of the namespace file at path (following the
// /proc magic links). It fails for anything that is not a namespace, such
// as the empty file left where a bind mount was removed.
func statNS(path string) (nsID, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nsID{}, err
	}
	dev, err := nsfsDev()
	if err != nil {
		return nsID{}, err
	}
	if st.Dev != dev { // every namespace lives on the one nsfs
		return nsID{}, fmt.Errorf("%s is not a network namespace", path)
	}
	return nsID{Dev: st.Dev, Ino: st.Ino}, nil
}

// nsfsDev is the device of the nsfs every namespace file lives on, read
// once (statNS runs for every process of a /proc scan).
var nsfsDev = sync.OnceValues(func() (uint64, error) {
	var self unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &self); err != nil {
		return 0, err
	}
	return self.Dev, nil
})

// cookieHere returns the cookie of the calling thread's network namespace
// (0 when the kernel is older than 5.14 and has none).
func cookieHere() uint64 {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	c, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_NETNS_COOKIE)
	if err != nil {
		return 0
	}
	return c
}

// cookieOf returns the cookie of the namespace at path, or 0.
func cookieOf(path string) uint64 {
	var c uint64
	_ = Do(path, func() error { c = cookieHere(); return nil })
	return c
}

// recordHere appends the namespace the calling (locked) thread sits in,
// just bound as name, to its run's record, so that the namespace is still
// found after it lost its name (`ip netns delete`, a crash mid-teardown)
// while a process holds it.
func recordHere(name string) error {
	id := runIDOf(name)
	if id == "" {
		return nil
	}
	nid, err := statNS("/proc/thread-self/ns/net")
	if err != nil {
		return fmt.Errorf("failed to read the identity of namespace %s: %w", name, err)
	}
	line := fmt.Sprintf("%s %d %d %d\n", name, nid.Dev, nid.Ino, cookieHere())
	nsRecordMu.Lock()
	defer nsRecordMu.Unlock()
	p := filepath.Join(RunDir, id, nsRecordFile)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("failed to record namespace %s in %s (was the run claimed?): %w", name, p, err)
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("failed to record namespace %s in %s: %w", name, p, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("failed to record namespace %s in %s: %w", name, p, err)
	}
	return f.Close()
}

// recordedNamespaces reads the namespaces the record of runID lists (none
// when it has no record).
func recordedNamespaces(runID string) ([]nsEntry, error) {
	p := filepath.Join(RunDir, runID, nsRecordFile)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", p, err)
	}
	defer f.Close()
	return parseNSRecord(bufio.NewScanner(f)), nil
}

// parseNSRecord parses "name dev ino cookie" lines; malformed ones (a
// line torn by a crash) are skipped.
func parseNSRecord(sc *bufio.Scanner) []nsEntry {
	var out []nsEntry
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 {
			continue
		}
		dev, err1 := strconv.ParseUint(f[1], 10, 64)
		ino, err2 := strconv.ParseUint(f[2], 10, 64)
		cookie, err3 := strconv.ParseUint(f[3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		out = append(out, nsEntry{Name: f[0], ID: nsID{Dev: dev, Ino: ino}, Cookie: cookie})
	}
	return out
}

// runNamespaces finds every namespace of runID that still exists: those
// bound under NetnsDir with the run's prefix, by name, and those its record
// lists that lost their name. Each is keyed by its nsID; unnamed ones carry
// the cookie a process's namespace must show to be taken for ours.
func runNamespaces(runID string) (map[nsID]nsEntry, error) {
	names, err := listNamed(RunPrefix(runID))
	if err != nil {
		return nil, err
	}
	out := namedNamespaces(names)
	rec, err := recordedNamespaces(runID)
	if err != nil {
		return out, err
	}
	for _, e := range rec {
		if _, named := out[e.ID]; named || e.Cookie == 0 {
			continue // known by name, or cannot be told from a reused inode
		}
		out[e.ID] = nsEntry{Name: e.Name, ID: e.ID, Cookie: e.Cookie, Unnamed: true}
	}
	return out, nil
}

// namedNamespaces stats each named namespace; those that are gone or are
// not namespaces are left out.
func namedNamespaces(names []string) map[nsID]nsEntry {
	out := map[nsID]nsEntry{}
	for _, n := range names {
		if id, err := statNS(nsPath(n)); err == nil {
			out[id] = nsEntry{Name: n, ID: id}
		}
	}
	return out
}
