package topology

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// Prefix starts the name of every namespace and link of every run.
const Prefix = "c1m-"

// RunDir holds one directory per run: its owner record and its journal.
const RunDir = "/run/c1m-testbed"

// CgroupsFile, in a run's record directory (RunDir/<run id>), lists the
// cgroup directories the run made, one a line, so that `clean` finds them
// after a crash wherever it runs.
const CgroupsFile = "cgroups"

// NetnsDir is where named network namespaces are bind-mounted (as iproute2
// does), so `ip netns list` shows them.
const NetnsDir = "/run/netns"

// maxIfName is the longest interface name Linux accepts (IFNAMSIZ - 1).
const maxIfName = 15

const runIDChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewRunID returns a fresh random run id of 6 characters from [a-z0-9].
func NewRunID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // never happens on Linux
	}
	for i := range b {
		b[i] = runIDChars[int(b[i])%len(runIDChars)]
	}
	return string(b)
}

// ValidateRunID reports whether id is a usable run id: 1 to 6 characters
// from [a-z0-9].
func ValidateRunID(id string) error {
	if id == "" || len(id) > 6 {
		return fmt.Errorf("run id %q must be 1 to 6 characters from [a-z0-9]", id)
	}
	for _, c := range id {
		if !strings.ContainsRune(runIDChars, c) {
			return fmt.Errorf("run id %q must be 1 to 6 characters from [a-z0-9]", id)
		}
	}
	return nil
}

// RunPrefix is the prefix of every namespace and link name of runID.
func RunPrefix(runID string) string { return Prefix + runID + "-" }

// ServerName is the server namespace name of runID.
func ServerName(runID string) string { return RunPrefix(runID) + "srv" }

// ClientName is the name of client namespace i (1-based) of runID; the
// client's end of its veth pair carries the same name.
func ClientName(runID string, i int) string { return fmt.Sprintf("%sc%d", RunPrefix(runID), i) }

// serverLinkName is the server-side end of client i's veth pair.
func serverLinkName(runID string, i int) string { return fmt.Sprintf("%ss%d", RunPrefix(runID), i) }

// runIDOf returns the run id of a namespace or link name, or "" when name
// is not one of ours.
func runIDOf(name string) string {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "-")
	if !ok || ValidateRunID(id) != nil {
		return ""
	}
	return id
}

// isRunNamespace reports whether name has the exact shape of a namespace
// Build makes (c1m-<id>-srv or c1m-<id>-c<N>) and returns its run id.
// Other c1m-* names, such as test namespaces of other packages, are not
// ours to clean.
func isRunNamespace(name string) (string, bool) {
	id := runIDOf(name)
	if id == "" {
		return "", false
	}
	role := strings.TrimPrefix(name, RunPrefix(id))
	if role == "srv" {
		return id, true
	}
	num, ok := strings.CutPrefix(role, "c")
	if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
		return "", false
	}
	return id, true
}
