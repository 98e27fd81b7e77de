package nodes

import (
	"errors"
	"strconv"

	"golang.org/x/sys/unix"
)

// errCounts counts failures by errno name without allocating on the hot
// path: errnos go into a fixed array, rarer named conditions into a map.
type errCounts struct {
	byErrno [512]int64
	named   map[string]int64
}

// add counts err by its errno name; a non-errno error counts as "other".
func (e *errCounts) add(err error) {
	errno, ok := err.(unix.Errno)
	if !ok {
		if errno, ok = asErrno(err); !ok {
			e.addName("other")
			return
		}
	}
	if int(errno) < len(e.byErrno) {
		e.byErrno[errno]++
		return
	}
	e.addName("errno" + strconv.Itoa(int(errno)))
}

// addName counts a condition that is not an errno.
func (e *errCounts) addName(name string) {
	if e.named == nil {
		e.named = make(map[string]int64)
	}
	e.named[name]++
}

// snapshot returns every non-zero count keyed by errno name (ErrnoName,
// e.g. "EMFILE") or condition name; nil when there are none.
func (e *errCounts) snapshot() map[string]int64 {
	var m map[string]int64
	for i, n := range e.byErrno {
		if n == 0 {
			continue
		}
		if m == nil {
			m = make(map[string]int64)
		}
		name := unix.ErrnoName(unix.Errno(i))
		if name == "" {
			name = "errno" + strconv.Itoa(i)
		}
		m[name] += n
	}
	for k, n := range e.named {
		if m == nil {
			m = make(map[string]int64)
		}
		m[k] += n
	}
	return m
}

// asErrno unwraps an errno; kept apart so that its escaping target does
// not make the hot path of add allocate.
func asErrno(err error) (unix.Errno, bool) {
	var errno unix.Errno
	ok := errors.As(err, &errno)
	return errno, ok
}
