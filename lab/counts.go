package lab

import (
	"os"
	"slices"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// Counts is what the kernel says of one namespace now.
type Counts struct {
	// Established is Tcp: CurrEstab (ESTABLISHED + CLOSE_WAIT).
	Established int64
	// Sockstat is the TCP line of /proc/net/sockstat, its Inuse counting
	// both families (plus "TCP6: inuse" of /proc/net/sockstat6).
	Sockstat procfs.Sockstat
}

// CountsIn reads the established count (Tcp: CurrEstab, which counts
// IPv4 and IPv6 connections alike) and sockstat of namespace ns.
func CountsIn(ns string) (Counts, error) {
	var c Counts
	err := topology.Do(ns, func() error {
		snmp, err := os.ReadFile("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		c.Established = procfs.ParseSnmpTCP(snmp).CurrEstab
		c.Sockstat = procfs.ParseSockstatBoth(procfs.ReadFile("/proc/thread-self/net/sockstat"),
			procfs.ReadFile("/proc/thread-self/net/sockstat6"))
		return nil
	})
	return c, err
}

// ProcessUsage is one process in a namespace and what it uses, read once
// from /proc for 'status': what the role meter reads during a run.
type ProcessUsage struct {
	PID, PPID  int
	Comm       string
	Command    string
	RSS, PSS   int64 // bytes
	FDs        int64
	CPUSeconds float64 // user + system
}

// ProcessesIn reads every live process of network namespace ns (found by
// namespace inode, whoever started it), in order of pid.
func ProcessesIn(ns string) []ProcessUsage {
	var out []ProcessUsage
	for pid, p := range topology.ProcessesIn([]string{ns}) {
		out = append(out, ProcessUsage{PID: pid, PPID: p.PPID, Comm: p.Comm, Command: procfs.Cmdline(pid),
			RSS: p.RSSBytes, PSS: procfs.PSS(pid), FDs: procfs.FDCount(pid), CPUSeconds: (p.UserCPU + p.SystemCPU).Seconds()})
	}
	slices.SortFunc(out, func(a, b ProcessUsage) int { return a.PID - b.PID })
	return out
}
