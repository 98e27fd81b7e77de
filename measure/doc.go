// Package measure reads what a run does while it runs: the sampler (one
// results.Sample every results.SampleInterval, written to samples.csv), the role
// meter (every process of each role, from /proc), the kernel's view of
// roles run by external programs, and the kernel log's messages that
// explain a limit.
//
// It sees the run's workers only through Workers, which the run's fleet
// implements, so the measuring never depends on how workers are started.
package measure

import (
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// The roles a run measures.
const (
	RoleServer = "server"
	RoleClient = "client"
)

// Namespace names a network namespace the run measures.
type Namespace string

// Here is the measuring process's own network namespace (clients run in
// place, in a pod): it is read through /proc/self/net, and a role there is
// its workers and what they fork, not every process in the namespace.
const Here Namespace = ""

// Where says which namespaces a run's roles live in.
type Where struct {
	// Server is the server's namespace; it means nothing when HasServer
	// is false.
	Server Namespace
	// HasServer is false when no server role runs here (clients in
	// place against a remote target).
	HasServer bool
	// Clients are the client namespaces.
	Clients []Namespace
}

// namespaces lists the server's namespace (when there is one) and the
// clients'.
func (w Where) namespaces() []Namespace {
	if !w.HasServer {
		return w.Clients
	}
	return append([]Namespace{w.Server}, w.Clients...)
}

// Workers is the run's fleet as measure sees it: what its workers
// reported and where their processes are.
type Workers interface {
	// RoleStats sums the latest stats of a role's workers.
	RoleStats(role string) nodes.Stats
	// Errors returns every worker's error counts, by errno name.
	Errors() map[string]int64
	// MergeHists sets into to the merged histograms of a role's workers.
	MergeHists(role string, into *Hists)
	// Traffic sums a role's traffic counters.
	Traffic(role string) Traffic
	// LivePIDs lists the pids of a role's live workers.
	LivePIDs(role string) []int
	// LivePIDsIn lists the pids of the live workers in namespace ns.
	LivePIDsIn(ns Namespace) []int
	// RecordUsage gives each worker whose pid is in byPID its own
	// process's latest reading.
	RecordUsage(byPID map[int]Usage)
	// FinalReadings returns, by pid, the readings of the workers'
	// processes taken as each exited (its CPU to the end).
	FinalReadings() map[int]topology.Process
}

// Usage is what the role meter read of one worker's own process.
type Usage struct {
	RSS, PSS   int64   // bytes
	CPUSeconds float64 // user + system time
	FDs        int64   // open file descriptors
}
