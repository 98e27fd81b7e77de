package measure

import (
	"slices"
	"sync"

	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// fakeWorkers is a fleet of client workers for the tests: their pids,
// their histograms, and the usage the meter gave them.
type fakeWorkers struct {
	pids  []int
	hists []Hists

	mu    sync.Mutex
	usage map[int]Usage // the highest RSS, PSS and fds per pid, as workers keep them
}

func (f *fakeWorkers) RoleStats(string) nodes.Stats { return nodes.Stats{Errors: map[string]int64{}} }
func (f *fakeWorkers) Errors() map[string]int64     { return map[string]int64{} }
func (f *fakeWorkers) Traffic(string) Traffic       { return Traffic{} }
func (f *fakeWorkers) LivePIDsIn(Namespace) []int   { return nil }

func (f *fakeWorkers) MergeHists(role string, into *Hists) {
	into.Reset()
	if role != RoleClient {
		return
	}
	for i := range f.hists {
		into.Merge(&f.hists[i])
	}
}

func (f *fakeWorkers) LivePIDs(role string) []int {
	if role != RoleClient {
		return nil
	}
	return slices.Clone(f.pids)
}

func (f *fakeWorkers) FinalReadings() map[int]topology.Process { return nil }

func (f *fakeWorkers) RecordUsage(byPID map[int]Usage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.usage == nil {
		f.usage = map[int]Usage{}
	}
	for _, pid := range f.pids {
		u, ok := byPID[pid]
		if !ok {
			continue
		}
		p := f.usage[pid]
		p.RSS, p.PSS, p.FDs, p.CPUSeconds = max(p.RSS, u.RSS), max(p.PSS, u.PSS), max(p.FDs, u.FDs), u.CPUSeconds
		f.usage[pid] = p
	}
}

// usageOf returns what RecordUsage kept for pid.
func (f *fakeWorkers) usageOf(pid int) Usage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.usage[pid]
}
