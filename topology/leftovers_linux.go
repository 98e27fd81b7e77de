package topology

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Leftovers lists what of runID is still on the host: namespaces under
// /run/netns named c1m-<runid>-*, every process still living in one of the
// run's namespaces (found by namespace inode, this process excepted), a
// namespace that lost its name but is still held by such a process (known
// from the run record), links of that prefix in this process's own
// namespace (there should never be any), and the run's record directory.
// An empty list means the run left nothing behind.
func Leftovers(runID string) ([]string, error) {
	if err := ValidateRunID(runID); err != nil {
		return nil, err
	}
	prefix := RunPrefix(runID)
	var out []string
	names, err := listNamed(prefix)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		out = append(out, "namespace "+n)
	}
	ns, err := runNamespaces(runID)
	if err != nil {
		return out, err
	}
	held := map[nsID]bool{}
	for _, p := range processesIn(ns) {
		if p.NS.Unnamed && !held[p.NS.ID] {
			held[p.NS.ID] = true
			out = append(out, fmt.Sprintf("namespace %s without its name, held by process %d", p.NS.label(), p.PID))
		}
		out = append(out, fmt.Sprintf("process %d (%s) in namespace %s", p.PID, procComm(p.PID), p.NS.label()))
	}
	links, err := hostLinks(prefix)
	if err != nil {
		return out, err
	}
	for _, l := range links {
		out = append(out, "link "+l.Attrs().Name+" in the host namespace")
	}
	dir := filepath.Join(RunDir, runID)
	if _, err := os.Stat(dir); err == nil {
		out = append(out, "run record "+dir)
	}
	return out, nil
}

// hostLinks lists the links whose name starts with prefix in this
// process's namespace (that of its main thread, the orchestrator's own).
func hostLinks(prefix string) ([]netlink.Link, error) {
	h, err := hostHandle()
	if err != nil {
		return nil, err
	}
	defer h.Close()
	var links []netlink.Link
	for range 5 { // dumps can be interrupted by churn: retry
		links, err = h.LinkList()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("failed to list the host's links: %w", err)
	}
	var out []netlink.Link
	for _, l := range links {
		if strings.HasPrefix(l.Attrs().Name, prefix) {
			out = append(out, l)
		}
	}
	return out, nil
}

// hostHandle opens a netlink handle in the host namespace (the one this
// process started in).
func hostHandle() (*netlink.Handle, error) {
	fd, err := hostNSFd()
	if err != nil {
		return nil, err
	}
	h, err := netlink.NewHandleAt(netns.NsHandle(fd))
	if err != nil {
		return nil, fmt.Errorf("failed to open netlink in the host namespace: %w", err)
	}
	return h, nil
}

// procComm is the command name of pid, or "?" (read here, not through
// procfs.ParseStat: a leftover's name is all a leftovers line needs).
func procComm(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}
