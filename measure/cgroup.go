package measure

import (
	"github.com/c1m-testbed/c1m-testbed/results"
)

// Cgroup is a role's own cgroup (its limits: memory-limit, cpu-limit,
// cpus) as the sampler reads it; testbed adapts the run's groups to it.
type Cgroup interface {
	// Sample reads the cgroup now: memory, socket memory, and the
	// cumulative OOM kills and throttled periods.
	Sample() (results.CgroupSample, error)
}

// cgroupState is what the sampler keeps of one role's cgroup.
type cgroupState struct {
	g    Cgroup
	peak results.CgroupSample // the highest memory and socket memory read, the latest counts
}

// SetCgroups names each role's cgroup (nil: the role has none) before
// Run; every sample reads them, into samples.csv's cgroup columns.
func (s *Sampler) SetCgroups(server, client Cgroup) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cgroups = map[string]*cgroupState{}
	if server != nil {
		s.cgroups[RoleServer] = &cgroupState{g: server}
	}
	if client != nil {
		s.cgroups[RoleClient] = &cgroupState{g: client}
	}
}

// readCgroups fills smp's cgroup readings; a cgroup that cannot be read
// (it is gone at teardown) leaves its cells empty.
func (s *Sampler) readCgroups(smp *results.Sample) {
	for role, st := range s.cgroups {
		c, err := st.g.Sample()
		if err != nil {
			continue
		}
		st.peak = results.CgroupSample{Memory: max(st.peak.Memory, c.Memory), Socket: max(st.peak.Socket, c.Socket),
			OOMKills: max(st.peak.OOMKills, c.OOMKills), Throttled: max(st.peak.Throttled, c.Throttled)}
		if role == RoleServer {
			smp.SrvCgroup = &c
		} else {
			smp.CliCgroup = &c
		}
	}
}

// CgroupPeak returns the highest memory and socket memory the sampler
// read in role's cgroup and its latest counts; false when it has none.
func (s *Sampler) CgroupPeak(role string) (results.CgroupSample, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.cgroups[role]
	if !ok {
		return results.CgroupSample{}, false
	}
	return st.peak, true
}
