package testbed

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/cgroups"
	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// roleGroups are a run's cgroups: one per role with limits.
type roleGroups struct {
	sys    *cgroups.System
	deleg  *cgroups.Delegation // on v2, c1m-testbed's move into its leaf, undone last
	byRole map[string]*cgroups.Group
	final  map[string]cgroups.Stats // read once the role's processes ended, before removal
	left   bool                     // a group could not be removed: keep the run record for clean
}

// groupSuffix names a role's cgroup after the run's prefix, as its
// namespace is named: c1m-<run id>-srv, c1m-<run id>-cli.
func groupSuffix(role string) string {
	if role == roleServer {
		return "srv"
	}
	return "cli"
}

// roleLimits returns a role's limits as the cgroups package takes them.
func roleLimits(l scenarios.RoleLimits) cgroups.Limits {
	return cgroups.Limits{MemoryBytes: l.MemoryLimit, CPUs: l.CPULimit, CPUSet: l.CPUs}
}

// allLimits combines the roles' limits: it needs every controller any of
// them needs.
func allLimits(lims map[string]scenarios.RoleLimits) cgroups.Limits {
	var all cgroups.Limits
	for _, role := range []string{roleServer, roleClient} {
		l := roleLimits(lims[role])
		all.MemoryBytes, all.CPUs = max(all.MemoryBytes, l.MemoryBytes), max(all.CPUs, l.CPUs)
		if all.CPUSet == "" {
			all.CPUSet = l.CPUSet
		}
	}
	return all
}

// limitsOf returns each role's limits, for the roles that have some.
func limitsOf(sc *scenarios.Scenario) map[string]scenarios.RoleLimits {
	out := map[string]scenarios.RoleLimits{}
	if sc.Server.RoleLimits.Set() {
		out[roleServer] = sc.Server.RoleLimits
	}
	if sc.Client.RoleLimits.Set() {
		out[roleClient] = sc.Client.RoleLimits
	}
	return out
}

// checkCgroups refuses, before the host is touched, limits the host's
// cgroups cannot give (a controller missing, or on v2 not enabled while
// other processes share c1m-testbed's cgroup).
func checkCgroups(sc *scenarios.Scenario) error {
	lims := limitsOf(sc)
	if len(lims) == 0 {
		return nil
	}
	sys, err := cgroups.Detect()
	if err != nil {
		return fmt.Errorf("%w: the scenario sets limits per role, which need cgroups: %w", ErrRefused, err)
	}
	for role, l := range lims {
		if err := sys.Available(roleLimits(l)); err != nil {
			return fmt.Errorf("%w: %s limits: %w", ErrRefused, role, err)
		}
	}
	return nil
}

// makeGroups makes a cgroup for each role with limits, under the cgroup
// this process runs in, and lists them in the run record for `clean`. On
// v2 it first moves this process into a leaf of its own, c1m-<run>-self,
// so that the controllers can be enabled for the groups (see
// cgroups.System.Delegate); removeGroups moves it back.
func (r *runner) makeGroups() error {
	lims := limitsOf(r.sc)
	if len(lims) == 0 {
		return nil
	}
	sys, err := cgroups.Detect()
	if err != nil {
		return fmt.Errorf("%w: the scenario sets limits per role, which need cgroups: %w", ErrRefused, err)
	}
	r.groups = &roleGroups{sys: sys, byRole: map[string]*cgroups.Group{}, final: map[string]cgroups.Stats{}}
	r.groups.deleg, err = sys.Delegate(topology.RunPrefix(r.runID)+"self", allLimits(lims))
	if err != nil {
		return fmt.Errorf("%w: failed to delegate the cgroup controllers: %w", ErrRefused, err)
	}
	if err := r.recordGroups(); err != nil {
		return err
	}
	for _, role := range []string{roleServer, roleClient} {
		l, ok := lims[role]
		if !ok {
			continue
		}
		g, err := sys.Create(topology.RunPrefix(r.runID)+groupSuffix(role), roleLimits(l))
		if err != nil {
			return fmt.Errorf("%w: failed to make the %s's cgroup: %w", ErrRefused, role, err)
		}
		r.groups.byRole[role] = g
		if err := r.recordGroups(); err != nil {
			return err
		}
	}
	return nil
}

// recordGroups writes the run's cgroup directories into its record.
func (r *runner) recordGroups() error {
	var lines []string
	if leaf := r.groups.deleg.Leaf(); leaf != "" {
		lines = append(lines, leaf)
	}
	for _, role := range []string{roleServer, roleClient} {
		if g := r.groups.byRole[role]; g != nil {
			lines = append(lines, g.Paths()...)
		}
	}
	path := filepath.Join(topology.RunDir, r.runID, topology.CgroupsFile)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("failed to record the run's cgroups in %s: %w", path, err)
	}
	return nil
}

// joiner returns what starts a role's process inside its cgroup, or nil.
func (r *runner) joiner(role string) topology.CgroupJoiner {
	if r.groups == nil || r.groups.byRole[role] == nil {
		return nil
	}
	return r.groups.byRole[role]
}

// cgroupOf adapts a role's cgroup for the sampler, or returns nil.
func (r *runner) cgroupOf(role string) measure.Cgroup {
	if r.groups == nil || r.groups.byRole[role] == nil {
		return nil
	}
	return groupSampler{r.groups.byRole[role]}
}

// groupSampler reads a cgroup as measure.Cgroup.
type groupSampler struct{ g *cgroups.Group }

func (s groupSampler) Sample() (results.CgroupSample, error) {
	st, err := s.g.Stats()
	if err != nil {
		return results.CgroupSample{}, err
	}
	return results.CgroupSample{Memory: st.MemoryBytes, Socket: st.SocketBytes, OOMKills: st.OOMKills, Throttled: st.Throttled}, nil
}

// readGroupsFinal ends whatever of a role still runs in its cgroup (a
// process that left the run's namespaces escapes the reaper, and would
// keep the group and lose its limits), then reads each cgroup: the counts
// the record keeps.
func (r *runner) readGroupsFinal() {
	if r.groups == nil {
		return
	}
	killed := 0
	for _, g := range r.groups.byRole {
		killed += g.Kill()
	}
	if killed > 0 {
		r.note(fmt.Sprintf("%d process(es) still in the roles' cgroups after the namespaces were emptied were killed", killed))
		time.Sleep(200 * time.Millisecond) // SIGKILL is delivered at once; let them exit before the groups are removed
	}
	for role, g := range r.groups.byRole {
		if st, err := g.Stats(); err == nil {
			r.groups.final[role] = st
		}
	}
}

// removeGroups removes the run's cgroups (their processes have ended),
// then moves this process back out of its leaf, and returns what it
// could not remove.
func (r *runner) removeGroups() (left []string, errs []string) {
	if r.groups == nil {
		return nil, nil
	}
	for _, g := range r.groups.byRole {
		if err := g.Remove(); err != nil {
			errs = append(errs, err.Error()+": run 'sudo c1m-testbed clean' once its processes are gone")
		}
	}
	if err := r.groups.deleg.Undo(); err != nil {
		errs = append(errs, err.Error())
	}
	dirs, err := cgroups.Leftovers(r.groups.sys, topology.RunPrefix(r.runID))
	if err != nil {
		errs = append(errs, err.Error())
	}
	for _, d := range dirs {
		left = append(left, "cgroup "+d)
	}
	r.groups.left = len(dirs) > 0 || len(errs) > 0
	return left, errs
}

// groupsLeft reports whether a cgroup of the run could not be removed: the
// run record, which lists them, is then kept for clean.
func (r *runner) groupsLeft() bool { return r.groups != nil && r.groups.left }

// cgroupUsage is a role's roles[].cgroup: its limits, the final counts
// and the highest memory read during the run.
func (r *runner) cgroupUsage(role string) *results.CgroupUsage {
	if r.groups == nil || r.groups.byRole[role] == nil {
		return nil
	}
	l := limitsOf(r.sc)[role]
	u := &results.CgroupUsage{Name: r.groups.byRole[role].Name(), Version: r.groups.sys.Version(),
		MemoryLimit: l.MemoryLimit, CPULimit: l.CPULimit, CPUs: l.CPUs}
	st := r.groups.final[role]
	u.PeakMemory, u.OOMKills = st.MemoryPeak, st.OOMKills
	u.Periods, u.Throttled, u.ThrottledSeconds = st.Periods, st.Throttled, st.ThrottledSeconds
	u.PeakSocketMemory = st.SocketBytes
	if r.sampler != nil {
		if p, ok := r.sampler.CgroupPeak(role); ok {
			u.PeakMemory = max(u.PeakMemory, p.Memory)
			u.PeakSocketMemory = max(u.PeakSocketMemory, p.Socket)
			u.OOMKills = max(u.OOMKills, p.OOMKills)
			u.Throttled = max(u.Throttled, p.Throttled)
		}
	}
	return u
}
