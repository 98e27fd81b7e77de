package topology

// DRAFT CONTRACT — the topology helper replaces this file with the real
// implementation spread over small files; signatures below are what
// testbed/ and cmd/ call and must keep compiling.

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"os/exec"
)

var errTODO = errors.New("not implemented yet")

// Spec describes a laboratory to build.
type Spec struct {
	RunID            string // short id, [a-z0-9], at most 6 bytes
	ClientNamespaces int
	ClientAddresses  int // per client namespace
	ServerAddresses  int
	Subnet           netip.Prefix
	ServerSysctls    map[string]string
	ClientSysctls    map[string]string
	NeighbourTable   int // gc_thresh3 in every namespace; 0 = fit the addresses
}

// Node is one namespace of a built topology.
type Node struct {
	Name  string       // namespace name, e.g. c1m-ab12cd-srv
	Addrs []netip.Addr // the node's test addresses
}

// Topology is a built laboratory.
type Topology struct {
	RunID   string
	Server  Node
	Clients []Node
}

// Build creates the laboratory; on failure it removes what it made.
func Build(ctx context.Context, spec Spec) (*Topology, error) { return nil, errTODO }

// Teardown removes everything of the run; "not found" counts as done.
func (t *Topology) Teardown() error { return errTODO }

// Do runs fn on a fresh locked OS thread inside namespace ns.
func Do(ns string, fn func() error) error { return errTODO }

// StartIn starts cmd inside namespace ns, tied to this process's lifetime.
func StartIn(ns string, cmd *exec.Cmd) error { return errTODO }

// NewRunID returns a fresh short run id.
func NewRunID() string { return "" }

// Owner marks a run as owned by this process.
type Owner struct{ RunID, Dir string }

// Claim writes /run/c1m-testbed/<runid>/owner for this process.
func Claim(runID string) (*Owner, error) { return nil, errTODO }

// Release removes the run's record directory.
func (o *Owner) Release() error { return errTODO }

// Journal records host-global settings before they change.
type Journal struct{}

// OpenJournal opens the run's journal under /run/c1m-testbed/<runid>/.
func OpenJournal(runID string) (*Journal, error) { return nil, errTODO }

// Set records key's current value (fsynced) and then writes value.
func (j *Journal) Set(key, value string) error { return errTODO }

// Restore writes back every recorded value in reverse order.
func (j *Journal) Restore() error { return errTODO }

// ReadSysctl reads a sysctl by dotted name in the current namespace.
func ReadSysctl(key string) (string, error) { return "", errTODO }

// IsHostGlobal reports whether key is host-global (must go under [host]).
func IsHostGlobal(key string) bool { return false }

// Leftovers lists namespaces, links and processes of runID still present.
func Leftovers(runID string) ([]string, error) { return nil, errTODO }

// DeadRuns lists runs whose owner process is gone.
func DeadRuns() ([]string, error) { return nil, errTODO }

// Clean restores and removes every dead run, saying what it did on w.
func Clean(w io.Writer) (int, error) { return 0, errTODO }
