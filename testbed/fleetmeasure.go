package testbed

import (
	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// The fleet is what measure.Sampler and measure.RoleMeter measure; these
// methods (with MergeHists and Traffic in latency.go) are how they see it.
var _ measure.Workers = (*fleet)(nil)

// LivePIDs lists the pids of a role's live workers.
func (f *fleet) LivePIDs(role string) []int {
	var pids []int
	for _, w := range f.role(role) {
		if w.alive() {
			pids = append(pids, w.pid())
		}
	}
	return pids
}

// LivePIDsIn lists the pids of the live workers in namespace ns.
func (f *fleet) LivePIDsIn(ns measure.Namespace) []int {
	var pids []int
	for _, w := range f.all() {
		if measure.Namespace(w.namespace) == ns && w.alive() {
			pids = append(pids, w.pid())
		}
	}
	return pids
}

// RecordUsage gives each worker its own process's reading, for run.json's
// per-program extra, and keeps its highest RSS, PSS and fds.
func (f *fleet) RecordUsage(byPID map[int]measure.Usage) {
	for _, w := range f.all() {
		u, ok := byPID[w.pid()]
		if !ok {
			continue
		}
		w.mu.Lock()
		w.usage = u
		w.peak.RSS, w.peak.PSS, w.peak.FDs = max(w.peak.RSS, u.RSS), max(w.peak.PSS, u.PSS), max(w.peak.FDs, u.FDs)
		w.peak.CPUSeconds = u.CPUSeconds
		w.mu.Unlock()
	}
}

// FinalReadings returns the readings of the workers' processes taken as
// each exited, by pid.
func (f *fleet) FinalReadings() map[int]topology.Process {
	out := map[int]topology.Process{}
	for _, w := range f.all() {
		w.mu.Lock()
		if w.hasFinal {
			out[w.final.PID] = w.final
		}
		w.mu.Unlock()
	}
	return out
}
