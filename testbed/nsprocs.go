package testbed

import (
	"fmt"
	"slices"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// NSProcess is one process in a namespace, read once from /proc for
// 'status': what the role meter reads during a run.
type NSProcess struct {
	PID, PPID    int
	Comm         string
	Command      string
	RSS, PSS     int64 // bytes
	FDs          int64
	CPUSeconds   float64 // user + system
	ParentInside bool    // its parent is in the namespace too (a fork of another process shown)
}

// ProcessesInNamespace reads every live process of network namespace ns
// (found by namespace inode, whoever started it), in order of pid.
func ProcessesInNamespace(ns string) []NSProcess {
	pids := topology.ProcessesIn([]string{ns})
	var out []NSProcess
	for pid := range pids {
		p, err := topology.ReadProcess(pid)
		if err != nil {
			continue
		}
		_, inside := pids[p.PPID]
		out = append(out, NSProcess{PID: pid, PPID: p.PPID, Comm: p.Comm, Command: readCmdline(pid),
			RSS: p.RSSBytes, PSS: parseMeminfo(readFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)))["Pss"],
			FDs: countFDs(pid), CPUSeconds: (p.UserCPU + p.SystemCPU).Seconds(), ParentInside: inside})
	}
	slices.SortFunc(out, func(a, b NSProcess) int { return a.PID - b.PID })
	return out
}
