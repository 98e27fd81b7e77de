package plan

import (
	"math"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/sat"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// Planning constants, measured on the reference machine (issue 6).
const (
	// FDReserve is the file descriptors a worker keeps for itself (binary,
	// epoll, pipes, runtime) out of its RLIMIT_NOFILE.
	FDReserve = 64
	// ServerShare is the part of the fd budget a server worker plans to
	// fill: SO_REUSEPORT hashing spreads connections unevenly by a few per cent.
	ServerShare = 0.95
	// KernelBytesPerSocket is kernel memory per idle TCP socket (TCP slab,
	// inode, dentry, file, epoll item): 8.3 KB per connection, two sockets.
	KernelBytesPerSocket = 4150
	// UserBytesPerSocket is a worker's connection-table entry per socket.
	UserBytesPerSocket = 48
	// UserBytesPerWorker is the Go runtime baseline of one worker process.
	UserBytesPerWorker = 3 << 20
	// FilesPerWorker are files a worker holds besides its connections.
	FilesPerWorker = 16
	// MemFloorMax is the most MemAvailable a plan must leave free (the
	// "memory" limit): room for the orchestrator, its sampler and results,
	// the binaries' page cache, the kernel's own bursts in a close storm
	// (orphans, TIME_WAIT) and a build beside the run, so that no run
	// drives the host into reclaim or the OOM killer. Smaller hosts leave
	// an eighth of MemTotal (memFloor).
	MemFloorMax = 2 << 30
	// DefaultTimeWaitBuckets is tcp_max_tw_buckets of a fresh namespace.
	DefaultTimeWaitBuckets = 131072
	// DefaultTCPWmemMax and DefaultTCPRmemMax bound the kernel's default
	// tcp_wmem and tcp_rmem maxima (4 MiB and 6 MiB, less on small hosts).
	DefaultTCPWmemMax = 4 << 20
	DefaultTCPRmemMax = 6 << 20
	// maxPortsPerPair is the widest ip_local_port_range ("1024 65535").
	maxPortsPerPair = 65535 - 1024 + 1
)

// Limit is one capacity the scenario needs against what the host has.
type Limit struct {
	// Name is the limit, e.g. "five-tuples" or "fs.file-max".
	Name string `json:"name"`
	// Need is what the scenario needs; Have is what the host allows.
	Need int64 `json:"need"`
	Have int64 `json:"have"`
	// Unit is what Need and Have count: "conns", "fds", "bytes", ...
	Unit string `json:"unit"`
	// OK is true when Need <= Have.
	OK bool `json:"ok"`
	// Fix is the cheapest way to make Need fit (when not OK), or what to
	// change to move the limit.
	Fix string `json:"fix"`
	// Errno is the error the kernel gives when the limit is hit.
	Errno string `json:"errno"`
	// Expected is true when the scenario expects this limit to be hit
	// (its [expect] errors-present lists Errno, or counters name it).
	Expected bool `json:"expected"`
	// Soft is true when hitting the limit degrades the run without failing
	// it (TIME_WAIT overflow: sockets are destroyed early instead).
	Soft bool `json:"soft"`
	// Why is the arithmetic behind Need and Have, in words.
	Why string `json:"why"`
}

// Headroom is Have-Need as a fraction of Have (negative when over).
func (l Limit) Headroom() float64 {
	if l.Have == 0 {
		return math.Inf(-1)
	}
	return float64(l.Have-l.Need) / float64(l.Have)
}

// Plan is the capacity plan of a scenario on a host.
type Plan struct {
	// Scenario is the scenario's name; Source where it came from.
	Scenario string `json:"scenario"`
	Source   string `json:"source"`
	// Env is the host the plan was made for (after the scenario's [host] settings).
	Env Env `json:"env"`
	// Connections is the peak number of connections.
	Connections int64 `json:"connections"`
	// PortLow and PortHigh are the client namespaces' ephemeral port range.
	PortLow  int `json:"port_low"`
	PortHigh int `json:"port_high"`
	// PortsPerPair is how many source ports one (source address,
	// destination address, destination port) can use.
	PortsPerPair int64 `json:"ports_per_pair"`
	// Pairs is server addresses × server ports × client namespaces × client addresses.
	Pairs int64 `json:"pairs"`
	// FiveTuples is Pairs × PortsPerPair.
	FiveTuples int64 `json:"five_tuples"`
	// ServerFDLimit and ClientFDLimit are the RLIMIT_NOFILE a worker gets.
	ServerFDLimit int64 `json:"server_fd_limit"`
	ClientFDLimit int64 `json:"client_fd_limit"`
	// FDBudget is connections one worker may hold: the smaller of both
	// roles' limits minus FDReserve (and the server's listeners).
	FDBudget int64 `json:"fd_budget"`
	// ServerWorkers and ClientWorkers are worker processes per role.
	ServerWorkers int `json:"server_workers"`
	ClientWorkers int `json:"client_workers"`
	// PortPerCopy: the server is an external program given one port per
	// copy ({worker-port}), not copies sharing every port (SO_REUSEPORT).
	PortPerCopy bool `json:"port_per_copy"`
	// ClientWorkersPerNamespace is client workers in each client namespace.
	ClientWorkersPerNamespace int `json:"client_workers_per_namespace"`
	// InFlightPerWorker is the connects in progress each client worker
	// may have: client.in-flight shared over the client workers, or
	// scenarios.DefaultInFlightPerWorker. The testbed passes it to every worker.
	InFlightPerWorker int `json:"in_flight_per_worker"`
	// ServerEngine is how the built-in server waits for its sockets,
	// server.engine resolved on this host: "io_uring" or "epoll" ("" for
	// a [server] command); ServerEngineWhy says why.
	ServerEngine    string `json:"server_engine"`
	ServerEngineWhy string `json:"server_engine_why"`
	// ConnsPerServerWorker and ConnsPerClientWorker are the mean load per worker.
	ConnsPerServerWorker int64 `json:"conns_per_server_worker"`
	ConnsPerClientWorker int64 `json:"conns_per_client_worker"`
	// Listeners is listening sockets per server worker (addresses × ports).
	Listeners int64 `json:"listeners"`
	// FileDescriptors is the files both ends hold at the peak (both run on this host).
	FileDescriptors int64 `json:"file_descriptors"`
	// KernelBytes estimates kernel memory at the peak (sockets and buffered data).
	KernelBytes int64 `json:"kernel_bytes"`
	// ConnPoolBytes is the resident memory of the server's static
	// connection pools at the peak (server.conn-buffer: two buffers per
	// connection), part of UserBytes; ConnPoolReserved is the address
	// space the pools reserve (every slot the fd limits allow).
	ConnPoolBytes    int64 `json:"conn_pool_bytes"`
	ConnPoolReserved int64 `json:"conn_pool_reserved"`
	// UserBytes estimates worker memory at the peak.
	UserBytes int64 `json:"user_bytes"`
	// BufferedBytes is data the send phases leave in socket buffers (or,
	// when more, the traffic phases: one message each way per sending
	// connection).
	BufferedBytes int64 `json:"buffered_bytes"`
	// MessagesPerSecond is the messages the busiest traffic phase asks
	// for per second: connections × fraction / interval (0 without a
	// traffic phase).
	MessagesPerSecond float64 `json:"messages_per_second"`
	// TimeWait is the most TIME_WAIT sockets close phases leave in one
	// namespace; TimeWaitBudget is that namespace's tcp_max_tw_buckets.
	TimeWait       int64 `json:"time_wait"`
	TimeWaitBudget int64 `json:"time_wait_budget"`
	// Conntrack is conntrack entries needed (0 when conntrack is not engaged).
	Conntrack    int64 `json:"conntrack"`
	ConntrackMax int64 `json:"conntrack_max"`
	// Limits are the checks, in the order the table prints them.
	Limits []Limit `json:"limits"`
	// First is the first limit the scenario hits: a failing one if any,
	// else the one with the least headroom.
	First *Limit `json:"first"`

	// Topology and Client are the scenario's, for the link shaping and
	// how traffic is answered; run.json holds them in scenario_body.
	Topology scenarios.Topology `json:"-"`
	Client   scenarios.Client   `json:"-"`
}

func hostInt(m map[string]string, key string, def int64) int64 {
	if v, ok := m[key]; ok {
		if n, err := scenarios.ParseCount(v); err == nil {
			return n
		}
	}
	return def
}

// applyHost returns env as it will be after the scenario's [host] settings.
func applyHost(env Env, s *scenarios.Scenario) Env {
	env.FileMax = hostInt(s.Host, "fs.file-max", env.FileMax)
	if n, ok := scenarios.RelativeHostValue(s.Host["fs.file-max"]); ok {
		env.FileMax = env.FileNr + n
	}
	env.NrOpen = hostInt(s.Host, "fs.nr_open", env.NrOpen)
	env.NeighbourMax = hostInt(s.Host, gcThresh3, env.NeighbourMax)
	env.NeighbourMax6 = hostInt(s.Host, gcThresh3v6, env.NeighbourMax6)
	env.ConntrackMax = hostInt(s.Host, "net.netfilter.nf_conntrack_max", hostInt(s.Host, "net.nf_conntrack_max", env.ConntrackMax))
	if f := strings.Fields(s.Host["net.ipv4.tcp_mem"]); len(f) == 3 {
		for i := range f {
			env.TCPMem[i], _ = strconv.ParseInt(f[i], 10, 64)
		}
	}
	if env.TimeWaitBuckets == 0 {
		env.TimeWaitBuckets = DefaultTimeWaitBuckets
	}
	if env.PageSize == 0 {
		env.PageSize = 4096
	}
	return env
}

// portRange is the client namespaces' ip_local_port_range.
func portRange(s *scenarios.Scenario, env Env) (int, int) {
	if f := strings.Fields(s.Sysctl.Client["net.ipv4.ip_local_port_range"]); len(f) == 2 {
		lo, err1 := strconv.Atoi(f[0])
		hi, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil {
			return lo, hi
		}
	}
	return env.PortLow, env.PortHigh
}

// fdLimit is the RLIMIT_NOFILE a worker gets: the hard limit, capped by the role's fd-limit.
func fdLimit(env Env, cap int) int64 {
	l := env.FDHard
	if cap > 0 && int64(cap) < l {
		l = int64(cap)
	}
	return l
}

// New computes the capacity plan of s on a host described by env. When
// the plan is impossible (a hard limit is exceeded and the scenario does
// not expect that failure) it returns the plan and an *Error wrapping
// scenarios.ErrInvalid with the arithmetic and the cheapest fix.
func New(s *scenarios.Scenario, env Env) (*Plan, error) {
	env = applyHost(env, s)
	tp := s.Topology
	p := &Plan{Scenario: s.Name, Source: s.Source, Env: env, Connections: int64(s.Client.Connections), Topology: s.Topology, Client: s.Client}
	conns := p.Connections

	p.PortLow, p.PortHigh = portRange(s, env)
	p.PortsPerPair = int64(max(0, p.PortHigh-p.PortLow+1))
	// Dual stack: every source and server address exists in both
	// families, and a source pairs with servers of its own family.
	p.Pairs = sat.Mul(int64(tp.ServerAddresses), int64(len(tp.ServerPorts)), int64(tp.ClientNamespaces), int64(tp.ClientAddresses), int64(tp.Families()))
	p.FiveTuples = sat.Mul(p.Pairs, p.PortsPerPair)

	p.Listeners = int64(tp.ServerAddresses) * int64(len(tp.ServerPorts)) * int64(tp.Families())
	switch s.Server.Listen {
	case scenarios.ListenAny: // one wildcard per port and family
		p.Listeners = int64(len(tp.ServerPorts)) * int64(tp.Families())
	case scenarios.ListenDual: // one [::] listener per port takes both
		p.Listeners = int64(len(tp.ServerPorts))
	}
	if p.PortPerCopy = len(s.Server.Command) > 0 && scenarios.UsesPlaceholder(s.Server.Command, scenarios.WorkerPortPlaceholder); p.PortPerCopy {
		p.Listeners = int64(tp.ServerAddresses) * int64(tp.Families()) // each copy listens on its own port only
	}
	p.ServerFDLimit = fdLimit(env, s.Server.FDLimit)
	p.ClientFDLimit = fdLimit(env, s.Client.FDLimit)
	serverBudget := p.ServerFDLimit - FDReserve - p.Listeners
	clientBudget := p.ClientFDLimit - FDReserve
	p.FDBudget = max(0, min(serverBudget, clientBudget))
	serverCap := int64(float64(serverBudget) * ServerShare)

	p.ServerWorkers = s.Server.Workers
	if p.ServerWorkers == 0 {
		p.ServerWorkers = int(min(sat.CeilDiv(conns, max(serverCap, 1)), scenarios.MaxWorkers))
	}
	ns := int64(tp.ClientNamespaces)
	p.ClientWorkers = s.Client.Workers
	if p.ClientWorkers == 0 {
		w := max(sat.CeilDiv(conns, max(clientBudget, 1)), ns)
		p.ClientWorkers = int(min(sat.CeilDiv(w, ns)*ns, scenarios.MaxWorkers))
	}
	p.ClientWorkersPerNamespace = int(sat.CeilDiv(int64(p.ClientWorkers), ns))
	p.InFlightPerWorker = scenarios.DefaultInFlightPerWorker
	if s.Client.InFlight > 0 {
		p.InFlightPerWorker = int(max(1, sat.CeilDiv(int64(s.Client.InFlight), int64(p.ClientWorkers))))
	}
	p.ConnsPerServerWorker = sat.CeilDiv(conns, int64(p.ServerWorkers))
	p.ConnsPerClientWorker = sat.CeilDiv(conns, int64(p.ClientWorkers))
	workers := int64(p.ServerWorkers + p.ClientWorkers)

	p.FileDescriptors = sat.Add(sat.Mul(2, conns), sat.Mul(workers, FilesPerWorker), sat.Mul(int64(p.ServerWorkers), p.Listeners))
	for _, ph := range s.Phases {
		switch ph.Kind {
		case scenarios.PhaseSend:
			p.BufferedBytes = max(p.BufferedBytes, sat.Mul(conns, min(ph.Bytes, bufferCap(s, ph.From))))
		case scenarios.PhaseTraffic:
			senders := scenarios.TrafficSenders(conns, ph.Fraction)
			p.BufferedBytes = max(p.BufferedBytes, sat.Mul(senders, 2, ph.Bytes))
			p.MessagesPerSecond = max(p.MessagesPerSecond, scenarios.MessagesPerSecond(senders, ph.Interval))
		}
	}
	p.KernelBytes = sat.Add(sat.Mul(2, conns, KernelBytesPerSocket), p.BufferedBytes)
	if b := s.Server.ConnBuffer; b > 0 {
		p.ConnPoolBytes = sat.Mul(conns, 2, b)
		p.ConnPoolReserved = sat.Mul(int64(p.ServerWorkers), p.ServerFDLimit, 2, b)
	}
	p.UserBytes = sat.Add(sat.Mul(2, conns, UserBytesPerSocket), sat.Mul(workers, UserBytesPerWorker), p.ConnPoolBytes)
	p.planClose(s, env)
	if tp.Conntrack {
		p.Conntrack = conns
		p.ConntrackMax = env.ConntrackMax
	}
	p.Limits = p.limits(s, env)
	err := p.pick(s)
	if herr := checkHostInUse(s, env); herr != nil {
		err = herr
	}
	if nerr := checkNeighbours(s, env); nerr != nil && err == nil {
		err = nerr
	}
	if eerr := p.pickEngine(s, env); eerr != nil && err == nil {
		err = eerr
	}
	return p, err
}

// planClose finds the most TIME_WAIT sockets one namespace will hold.
func (p *Plan) planClose(s *scenarios.Scenario, env Env) {
	for _, ph := range s.Phases {
		if ph.Kind != scenarios.PhaseClose || ph.Mode != "fin" {
			continue
		}
		closed := int64(math.Ceil(float64(p.Connections) * ph.Fraction))
		tw, budget := closed, hostInt(s.Sysctl.Server, "net.ipv4.tcp_max_tw_buckets", env.TimeWaitBuckets)
		if ph.Side == "client" {
			tw = sat.CeilDiv(closed, int64(s.Topology.ClientNamespaces))
			budget = hostInt(s.Sysctl.Client, "net.ipv4.tcp_max_tw_buckets", env.TimeWaitBuckets)
		}
		if tw > p.TimeWait {
			p.TimeWait, p.TimeWaitBudget = tw, budget
		}
	}
}

// bufferCap is the most one connection of a send phase can leave in
// kernel buffers: twice the sender's tcp_wmem max plus the receiver's
// tcp_rmem max, since the kernel charges each buffer's skb overhead too
// (truesize). A role that does not set them has the kernel's defaults,
// which are at most DefaultTCPWmemMax and DefaultTCPRmemMax.
func bufferCap(s *scenarios.Scenario, from string) int64 {
	send, recv := s.Sysctl.Client, s.Sysctl.Server
	if from == "server" {
		send, recv = recv, send
	}
	w, okW := thirdField(send["net.ipv4.tcp_wmem"])
	if !okW {
		w = DefaultTCPWmemMax
	}
	r, okR := thirdField(recv["net.ipv4.tcp_rmem"])
	if !okR {
		r = DefaultTCPRmemMax
	}
	return sat.Mul(2, sat.Add(w, r))
}

// thirdField reads the max of a "min default max" sysctl value.
func thirdField(v string) (int64, bool) {
	f := strings.Fields(v)
	if len(f) != 3 {
		return 0, false
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	return n, err == nil
}
