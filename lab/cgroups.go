package lab

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/cgroups"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// groupName is a run's cgroup: a role's, c1m-<run id>-srv or -cli, or on
// v2 the leaf c1m-testbed itself moved into, c1m-<run id>-self.
var groupName = regexp.MustCompile(`^` + regexp.QuoteMeta(topology.Prefix) + `([a-z0-9]{1,6})-(srv|cli|self)$`)

// cgroupRoot is where every cgroup hierarchy is mounted.
const cgroupRoot = "/sys/fs/cgroup/"

// deadRunGroups returns the cgroup directories of runs that are not
// alive: those their run records list (read before topology.Clean
// removes the records) and those named like a run's role group under
// the cgroup this process runs in.
func deadRunGroups() ([]string, error) {
	runs, err := topology.Runs()
	if err != nil {
		return nil, err
	}
	alive := map[string]bool{}
	var dirs []string
	for _, r := range runs {
		if r.Alive {
			alive[r.RunID] = true
			continue
		}
		dirs = append(dirs, recordedGroups(r.RunID)...)
	}
	if sys, err := cgroups.Detect(); err == nil {
		found, err := cgroups.Leftovers(sys, topology.Prefix)
		if err != nil {
			return nil, err
		}
		for _, d := range found {
			if m := groupName.FindStringSubmatch(filepath.Base(d)); m != nil && !alive[m[1]] {
				dirs = append(dirs, d)
			}
		}
	}
	return dedupe(dirs), nil
}

// recordedGroups reads a run record's cgroups file, keeping only lines
// that name one of that run's role groups under /sys/fs/cgroup: a record
// edited by hand cannot make clean remove anything else.
func recordedGroups(runID string) []string {
	data, err := os.ReadFile(filepath.Join(topology.RunDir, runID, topology.CgroupsFile))
	if err != nil || len(data) > 64<<10 {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		d := filepath.Clean(line)
		m := groupName.FindStringSubmatch(filepath.Base(d))
		if line == "" || d != line || !strings.HasPrefix(d, cgroupRoot) || m == nil || m[1] != runID {
			continue
		}
		out = append(out, d)
	}
	return out
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// removeGroups removes dead runs' cgroups, saying each on w; one that
// still holds processes is left, with the reason.
func removeGroups(w io.Writer, dirs []string) (int, error) {
	var errs []error
	n := 0
	for _, d := range dirs {
		if _, err := os.Stat(d); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := cgroups.RemoveDirs([]string{d}); err != nil {
			errs = append(errs, err)
			fmt.Fprintf(w, "  cgroup %s: %v\n", d, err)
			continue
		}
		fmt.Fprintf(w, "  removed cgroup %s\n", d)
		n++
	}
	return n, errors.Join(errs...)
}
