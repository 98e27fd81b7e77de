package testbed

import (
	"net/netip"
	"sync"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// runner holds the state of one run while it happens.
type runner struct {
	opt      Options
	sc       *scenarios.Scenario // scaled
	plan     *plan.Plan
	topo     *topology.Topology
	fleet    *fleet
	sampler  *measure.Sampler
	progress *progress
	start    time.Time
	dir      string       // results directory
	out      *results.Dir // the results directory, opened safely
	runID    string
	owner    *topology.Owner   // this process's claim on the run
	lease    *hostLease        // the host lock
	journal  *topology.Journal // host settings to restore
	actions  []results.Action  // the privileged actions announced at the start
	groups   *roleGroups       // each limited role's cgroup (nil: no role has limits)
	// scaleNote says why --scale left the scenario whole ("" if it did not).
	scaleNote string

	clientsStarted time.Time    // when external client programs started
	base           int          // in place: the shard's first connection index
	sources        []netip.Addr // in place: the local addresses to connect from

	// What the steps found, for record: the host as found, the host
	// settings set, each phase's result, the TcpExt counters at the end.
	env      results.Env
	hostSet  []results.HostSetting
	phases   []results.Phase
	counters map[string]int64

	mu        sync.Mutex
	phase     string
	kind      string // the running phase's kind ("" outside phases)
	notes     []string
	writeErrs []string // results that could not be written (a full disk)

	rampStart, rampEnd time.Time
	rampConns          int64
	closeSeconds       []float64
	lastEventAt        time.Time // when waitEvents last crossed a worker off
	inuseBase          int64     // TCP sockets in the run's namespaces once the servers listen
	lat                phaseHists
}

// external reports whether a role runs an external program.
func (r *runner) external(role string) bool {
	if role == roleServer {
		return len(r.sc.Server.Command) > 0
	}
	return len(r.sc.Client.Command) > 0
}

func (r *runner) setPhase(name string) { r.setPhaseKind(name, "") }

// setPhaseKind names the running phase and its kind.
func (r *runner) setPhaseKind(name, kind string) {
	r.mu.Lock()
	r.phase, r.kind = name, kind
	r.mu.Unlock()
}

func (r *runner) phaseName() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.phase
}

// note records something the user should read in run.json.
func (r *runner) note(s string) {
	r.mu.Lock()
	r.notes = append(r.notes, s)
	r.mu.Unlock()
}

// writeFailed records that a result could not be written: the run goes
// on, its verdict stands, and the error is shown and noted.
func (r *runner) writeFailed(err error) {
	r.mu.Lock()
	r.writeErrs = append(r.writeErrs, err.Error())
	r.mu.Unlock()
}

// status gathers what live progress shows.
func (r *runner) status() status {
	cli := r.fleet.RoleStats(roleClient)
	srv := r.fleet.RoleStats(roleServer)
	smp := r.sampler.Latest()
	cp99, rp99, ans := r.sampler.Interval()
	r.mu.Lock()
	kind := r.kind
	r.mu.Unlock()
	return status{
		kind: kind, connectP99: cp99, rttP99: rp99, answeredPerSec: ans,
		seconds:     time.Since(r.start).Seconds(),
		established: cli.Established, srvEstablished: srv.Established,
		protocol: r.sc.Client.Protocol, ready: cli.Ready, reconnecting: cli.ReconnectsPending,
		connectsPerSec: smp.ConnectsPerSec, errors: r.fleet.Errors(), statsAge: r.fleet.statsAge(time.Now()),
		tcpMemPages: smp.TCPMemPages, memAvailable: smp.MemAvailable,
		tw: smp.SrvTW + smp.CliTW, orphans: smp.SrvOrphan,
		srvCgroup: smp.SrvCgroup, cliCgroup: smp.CliCgroup,
	}
}

// inuse counts the TCP sockets hashed in the run's namespaces now
// (measure.Sampler.SocketsInUse).
func (r *runner) inuse() int64 { return r.sampler.SocketsInUse() }

// socketsGone reports whether every socket beyond the listeners and the
// connections both sides still hold has left the kernel.
func (r *runner) socketsGone() bool {
	cli, srv := r.fleet.RoleStats(roleClient), r.fleet.RoleStats(roleServer)
	return r.inuse() <= r.inuseBase+cli.Established+srv.Established
}
