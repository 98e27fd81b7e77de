package topology

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
)

// sysctlPath maps a dotted sysctl name (net.ipv4.tcp_rmem) to its file
// under /proc/sys; a name written with slashes is taken as it is.
func sysctlPath(key string) string {
	if strings.Contains(key, "/") {
		return "/proc/sys/" + strings.TrimPrefix(key, "/")
	}
	return "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
}

// normalize folds the whitespace of a sysctl value, so "1 2 3" equals the
// tab-separated "1\t2\t3" the kernel prints.
func normalize(v string) string { return strings.Join(strings.Fields(v), " ") }

// ReadSysctl reads a sysctl by dotted name in the network namespace of the
// calling OS thread (the orchestrator's own namespace, unless called from
// inside Do). The value is returned with its whitespace normalized.
func ReadSysctl(key string) (string, error) {
	runtime.LockOSThread() // /proc/sys/net follows the thread that opens it
	defer runtime.UnlockOSThread()
	b, err := os.ReadFile(sysctlPath(key))
	if err != nil {
		return "", fmt.Errorf("failed to read sysctl %s: %w", key, err)
	}
	return normalize(string(b)), nil
}

// WriteSysctl writes a sysctl by dotted name in the network namespace of
// the calling OS thread. Host-global settings belong in a Journal instead.
func WriteSysctl(key, value string) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return writeSysctlHere(key, value)
}

// writeSysctlHere writes key on the current (already locked) thread.
func writeSysctlHere(key, value string) error {
	f, err := os.OpenFile(sysctlPath(key), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("failed to open sysctl %s for writing: %w", key, err)
	}
	if _, err := f.WriteString(value); err != nil {
		f.Close()
		return fmt.Errorf("failed to set sysctl %s to %q: %w", key, value, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to set sysctl %s to %q: %w", key, value, err)
	}
	return nil
}

// ReadSysctlIn reads a sysctl inside namespace ns.
func ReadSysctlIn(ns, key string) (string, error) {
	var v string
	err := Do(ns, func() error {
		b, err := os.ReadFile(sysctlPath(key))
		if err != nil {
			return fmt.Errorf("failed to read sysctl %s in %s: %w", key, ns, err)
		}
		v = normalize(string(b))
		return nil
	})
	return v, err
}

// writeSysctlsHere writes every sysctl of m, in key order, on the current
// locked thread (which sits in the namespace they are meant for).
func writeSysctlsHere(ns string, m map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := writeSysctlHere(k, m[k]); err != nil {
			return fmt.Errorf("in namespace %s: %w", ns, err)
		}
	}
	return nil
}
