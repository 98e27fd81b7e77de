package sysctlscope

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

func sysctlPath(name string) string { return "/proc/sys/" + strings.ReplaceAll(name, ".", "/") }

func readSysctl(name string) (string, error) {
	b, err := os.ReadFile(sysctlPath(name))
	return strings.Join(strings.Fields(string(b)), " "), err
}

// inThrowawayNetns runs fn on a fresh locked thread moved into a new,
// unnamed network namespace, then moves the thread back. A thread that
// cannot be moved back stays locked, so the runtime discards it instead
// of returning it to the pool.
func inThrowawayNetns(fn func()) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
			return
		}
		fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("failed to switch the thread back: %w", err)
			return // still locked: the thread dies with the goroutine
		}
		runtime.UnlockOSThread()
		errc <- nil
	}()
	return <-errc
}

// probeValue is a different value a field may take, for a write test.
func probeValue(k Key, cur string) (string, bool) {
	if k.Fields != 1 {
		return "", false
	}
	n, err := strconv.ParseInt(cur, 10, 64)
	if err != nil {
		return "", false
	}
	switch {
	case n-1 >= k.Min && n-1 <= k.Max:
		return strconv.FormatInt(n-1, 10), true
	case n+1 >= k.Min && n+1 <= k.Max:
		return strconv.FormatInt(n+1, 10), true
	}
	return "", false
}

// TestTableMatchesKernel repeats the experiment behind the table on the
// running kernel, from a throwaway network namespace: a Host key is
// missing or read-only there (or outside net.*, so not namespaced); a Namespace or Parent key is there and
// writable, and writing a different value in the child leaves the host's
// value alone. Keys of modules that are not loaded (nf_conntrack) are
// skipped.
func TestTableMatchesKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: this test creates a network namespace and needs root (run: sudo go test ./internal/sysctlscope/)")
	}
	hostlock.Exclusive(t) // a wrong entry would change a host value for a moment
	type result struct {
		key             Key
		present, canSet bool
		hostBefore      string
		wrote, childErr string
	}
	var results []result
	for _, k := range All() {
		v, err := readSysctl(k.Name)
		if errors.Is(err, os.ErrNotExist) {
			t.Logf("%s: not on this host (module not loaded?), skipped", k.Name)
			continue
		}
		results = append(results, result{key: k, hostBefore: v})
	}
	err := inThrowawayNetns(func() {
		for i := range results {
			r := &results[i]
			fi, err := os.Stat(sysctlPath(r.key.Name))
			if err != nil {
				continue
			}
			r.present, r.canSet = true, fi.Mode().Perm()&0o200 != 0
			if !r.canSet || r.key.Scope == Host {
				continue
			}
			cur, err := readSysctl(r.key.Name)
			if err != nil {
				r.childErr = err.Error()
				continue
			}
			if v, ok := probeValue(r.key, cur); ok {
				if err := os.WriteFile(sysctlPath(r.key.Name), []byte(v), 0); err != nil {
					r.childErr = err.Error()
					continue
				}
				r.wrote = v
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		name := r.key.Name
		// Settings outside net.* (fs.*) are not network-namespaced at all:
		// a child sees and writes the host's value.
		global := !r.present || !r.canSet || !strings.HasPrefix(name, "net.")
		if after, _ := readSysctl(name); r.wrote != "" && after != r.hostBefore {
			global = true
			// The table was wrong and the write reached the host: put it back at once.
			if err := os.WriteFile(sysctlPath(name), []byte(r.hostBefore), 0); err != nil {
				t.Errorf("%s: FAILED TO RESTORE the host value %q: %v", name, r.hostBefore, err)
			}
		}
		switch {
		case r.childErr != "":
			t.Errorf("%s: writing in a fresh namespace failed: %s", name, r.childErr)
		case global && r.key.Scope != Host:
			t.Errorf("%s: the table says %v, but in a fresh namespace it is missing, read-only or shared with the host", name, r.key.Scope)
		case !global && r.key.Scope == Host:
			t.Errorf("%s: the table says host-global, but a fresh namespace has its own writable copy", name)
		}
	}
}
