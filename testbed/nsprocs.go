package testbed

import (
	"slices"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// NSProcess is one process in a namespace, read once from /proc for
// 'status': what the role meter reads during a run.
type NSProcess struct {
	PID, PPID  int
	Comm       string
	Command    string
	RSS, PSS   int64 // bytes
	FDs        int64
	CPUSeconds float64 // user + system
}

// ProcessesInNamespace reads every live process of network namespace ns
// (found by namespace inode, whoever started it), in order of pid.
func ProcessesInNamespace(ns string) []NSProcess {
	var out []NSProcess
	for pid, p := range topology.ProcessesIn([]string{ns}) {
		out = append(out, NSProcess{PID: pid, PPID: p.PPID, Comm: p.Comm, Command: procfs.Cmdline(pid),
			RSS: p.RSSBytes, PSS: procfs.PSS(pid), FDs: procfs.FDCount(pid), CPUSeconds: (p.UserCPU + p.SystemCPU).Seconds()})
	}
	slices.SortFunc(out, func(a, b NSProcess) int { return a.PID - b.PID })
	return out
}
