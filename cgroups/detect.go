package cgroups

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The cgroup versions Version reports.
const (
	V1 = 1
	V2 = 2
)

// System is the cgroup layout as this process sees it: the version, and
// for each controller the mount point of its hierarchy and our own cgroup
// in it.
type System struct {
	root    string
	version int
	v1      map[string]*hierarchy // controller -> its v1 hierarchy
	v2      *hierarchy            // the unified hierarchy on v2
	v2ctls  []string              // what our own v2 cgroup offers (cgroup.controllers)
}

// hierarchy is one mounted cgroup hierarchy and our place in it.
type hierarchy struct {
	mount     string   // mount point, under the System's root
	mountRoot string   // the hierarchy's path this mount shows
	own       string   // our own cgroup's directory, under the System's root
	ctls      []string // the controllers of a v1 hierarchy, as /proc names them
}

// dirOf maps a cgroup path as /proc shows it (e.g. /process_api/abc) to
// its directory, or "" when this mount does not show it.
func (h *hierarchy) dirOf(p string) string {
	switch {
	case h.mountRoot == "/":
		return filepath.Join(h.mount, p)
	case p == h.mountRoot:
		return h.mount
	case strings.HasPrefix(p, h.mountRoot+"/"):
		return filepath.Join(h.mount, strings.TrimPrefix(p, h.mountRoot))
	}
	return ""
}

// maxProcFile bounds what is read of one /proc or cgroup file.
const maxProcFile = 4 << 20

// Detect reads /proc/self/cgroup and /proc/self/mountinfo.
func Detect() (*System, error) { return DetectAt("") }

// DetectAt is Detect with every path under root: root+"/proc/self/cgroup",
// root+"/proc/self/mountinfo" and the mount points they name (a fake tree
// for tests; "" is the real system).
func DetectAt(root string) (*System, error) {
	cg, err := readSmall(filepath.Join(root, "/proc/self/cgroup"))
	if err != nil {
		return nil, fmt.Errorf("failed to read which cgroups this process is in: %w", err)
	}
	mi, err := readSmall(filepath.Join(root, "/proc/self/mountinfo"))
	if err != nil {
		return nil, fmt.Errorf("failed to read the mount table: %w", err)
	}
	mounts := parseMountinfo(mi)
	s := &System{root: root, v1: map[string]*hierarchy{}}
	var v2path string
	for _, line := range strings.Split(strings.TrimSpace(cg), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2path = parts[2]
			continue
		}
		ctls := strings.Split(parts[1], ",")
		for _, m := range mounts {
			if m.fstype != "cgroup" || !containsAll(m.superOpts, ctls) {
				continue
			}
			h := &hierarchy{mount: filepath.Join(root, m.point), mountRoot: m.root, ctls: ctls}
			if h.own = h.dirOf(parts[2]); h.own == "" {
				continue
			}
			for _, c := range ctls {
				if !strings.HasPrefix(c, "name=") {
					s.v1[c] = h
				}
			}
			break
		}
	}
	if s.v1[memoryCtl] != nil || s.v1[cpuCtl] != nil || s.v1[cpusetCtl] != nil {
		s.version = V1 // v1 or hybrid: the controllers we use live in v1
		return s, nil
	}
	if v2path != "" {
		for _, m := range mounts {
			if m.fstype != "cgroup2" {
				continue
			}
			h := &hierarchy{mount: filepath.Join(root, m.point), mountRoot: m.root}
			if h.own = h.dirOf(v2path); h.own == "" {
				continue
			}
			s.version, s.v2, s.v1 = V2, h, nil // a stray v1 mount (net_cls) aside
			if c, err := readSmall(filepath.Join(h.own, "cgroup.controllers")); err == nil {
				s.v2ctls = strings.Fields(c)
			}
			return s, nil
		}
	}
	if len(s.v1) > 0 {
		s.version = V1 // none of our controllers: Available says which is missing
		return s, nil
	}
	return nil, errors.New("found no usable cgroup hierarchy: mount cgroup2 at /sys/fs/cgroup (or the v1 controllers), or run without cgroup limits")
}

// Version is V1 or V2.
func (s *System) Version() int { return s.version }

// hierarchies lists each hierarchy in use once (v1 controllers mounted
// together share one).
func (s *System) hierarchies() []*hierarchy {
	if s.version == V2 {
		return []*hierarchy{s.v2}
	}
	var hs []*hierarchy
	for _, h := range s.v1 {
		if !slices.Contains(hs, h) {
			hs = append(hs, h)
		}
	}
	slices.SortFunc(hs, func(a, b *hierarchy) int { return strings.Compare(a.mount, b.mount) })
	return hs
}

// OwnDir is the directory of our own cgroup in the hierarchy that holds
// controller ctl, or "" when ctl is not usable here (on v2 every
// controller our cgroup offers shares one directory).
func (s *System) OwnDir(ctl string) string {
	if s.version == V2 {
		if slices.Contains(s.v2ctls, ctl) {
			return s.v2.own
		}
		return ""
	}
	if h := s.v1[ctl]; h != nil {
		return h.own
	}
	return ""
}

// mountEntry is one line of /proc/self/mountinfo, the fields we use.
type mountEntry struct {
	root, point, fstype string
	superOpts           []string
}

// parseMountinfo returns the cgroup and cgroup2 mounts of a mountinfo
// text, in order; malformed lines are skipped.
func parseMountinfo(text string) []mountEntry {
	var out []mountEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		sep := slices.Index(f, "-")
		if sep < 6 || len(f) < sep+4 {
			continue
		}
		if t := f[sep+1]; t == "cgroup" || t == "cgroup2" {
			out = append(out, mountEntry{
				root: unescape(f[3]), point: unescape(f[4]), fstype: t,
				superOpts: strings.Split(f[sep+3], ","),
			})
		}
	}
	return out
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// containsAll reports whether every element of want is in have.
func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return len(want) > 0
}

// readSmall reads a file of at most maxProcFile bytes.
func readSmall(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxProcFile))
	return string(b), err
}
