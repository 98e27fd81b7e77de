package scenarios

import (
	"net/netip"
	"time"
)

// Scenario is one decoded, validated scenario file.
//
// The decoder reads the file's keys by name (decode*.go) against the one
// list of keys and defaults (keys.go); the fields carry only the json
// tags of run.json's scenario_body (docs/results.md).
type Scenario struct {
	// Name is the scenario's short name (the file name without .toml by default).
	Name string `json:"name"`
	// Description is the lab text shown by `list` and at run start.
	Description string `json:"description"`
	// Topology says how many namespaces and addresses the run builds.
	Topology Topology `json:"topology"`
	// Server configures the built-in epoll server.
	Server Server `json:"server"`
	// Client configures the built-in epoll clients.
	Client Client `json:"client"`
	// Sysctl holds per-namespace settings, written inside the namespaces.
	Sysctl Sysctls `json:"sysctl"`
	// Host holds host-global settings; the run journals and restores them.
	Host map[string]string `json:"host"`
	// Phases run in order.
	Phases []Phase `json:"phases"`
	// Expect is what must hold for the run to pass.
	Expect Expect `json:"expect"`
	// Scaling is what --scale does with the lab: ScalingLimits (default)
	// scales its load and the limits its lesson depends on together;
	// ScalingWhole declares that the lab cannot shrink, so it runs whole
	// at any --scale (and says so).
	Scaling string `json:"scaling"`

	// Source is where the scenario came from: a file path or "builtin:NAME".
	Source string `json:"source"`
	// Overrides are the --set KEY=VALUE applied to the file's keys before
	// decoding (ParseWith), in the order given; the fields above hold
	// their values already, and run.json's scenario_body records them.
	// Empty when the file was run as written.
	Overrides []Override `json:"overrides,omitempty"`

	// pos remembers where each key was, for plan errors with a line.
	pos positions
}

// Topology describes the laboratory's namespaces and addresses.
type Topology struct {
	// ClientNamespaces is the number of client namespaces (default 1).
	ClientNamespaces int `json:"client_namespaces"`
	// ClientAddresses is the number of client addresses per client namespace (default 1).
	ClientAddresses int `json:"client_addresses"`
	// ServerAddresses is the number of server addresses (default 1).
	ServerAddresses int `json:"server_addresses"`
	// ServerPorts lists the server's listening ports; in TOML a count N
	// (ports 8000..8000+N-1) or an explicit list. Default [8000].
	ServerPorts []int `json:"server_ports"`
	// Subnet is the address range everything is taken from: always set, by
	// the decoder, to layout.DefaultSubnet when the file does not narrow it.
	Subnet netip.Prefix `json:"subnet"`
	// Family is the addresses every namespace gets and the connections
	// speak: FamilyIPv4 (default), FamilyIPv6 or FamilyDual (both: the
	// clients alternate the families).
	Family string `json:"family"`
	// Subnet6 is the IPv6 range (inside 2001:2::/48) everything IPv6 is
	// taken from, a /64 per namespace: always set by the decoder.
	Subnet6 netip.Prefix `json:"subnet6"`
	// ClientSources is SourcesAddresses (default: ClientAddresses
	// addresses added to each client link) or SourcesAnyIP (IPv6: each
	// client namespace's /64 is routed as local and the clients bind
	// ClientAddresses sources spread over it, none of them added).
	ClientSources string `json:"client_sources"`
	// NeighbourTable is the neighbour-table size (gc_thresh3) set in every
	// namespace; 0 picks one that fits the addresses.
	NeighbourTable int `json:"neighbour_table"`
	// Conntrack engages connection tracking in the server namespace (a
	// rule that uses conntrack), so nf_conntrack_max applies (default false).
	Conntrack bool `json:"conntrack"`
	// Routing is how the server reaches the client addresses: "gateway"
	// (default: one route per client namespace through its first address,
	// so one neighbour entry per link) or "direct" (the client blocks are
	// on-link: one neighbour entry per client address, an L2 segment).
	Routing string `json:"routing"`
	// LinkDelay is the delay a netem qdisc adds at each end of every
	// client link, so each direction is delayed and a round trip gains
	// 2 × LinkDelay; 0 (default) = none.
	LinkDelay time.Duration `json:"link_delay_seconds"`
	// LinkJitter varies LinkDelay by up to ± this (needs LinkDelay, at most
	// LinkDelay); 0 = none.
	LinkJitter time.Duration `json:"link_jitter_seconds"`
	// LinkLoss is the percentage of packets each end of a client link
	// drops, 0 to 100; 0 = none.
	LinkLoss float64 `json:"link_loss"`
	// LinkRate caps each end of a client link at this many bits per second; 0 = no cap.
	LinkRate uint64 `json:"link_rate"`
}

// RTTFloor is the least round trip the link shaping allows: 2 ×
// (LinkDelay - LinkJitter), a delay at each end of the link. A connect
// takes at least one round trip. The run's "link-delay floor"
// expectation checks the connect and RTT p50 against it.
func (t Topology) RTTFloor() time.Duration {
	return 2 * max(0, t.LinkDelay-t.LinkJitter)
}

// Shaped reports whether the topology asks for any link impairment.
func (t Topology) Shaped() bool {
	return t.LinkDelay > 0 || t.LinkJitter > 0 || t.LinkLoss > 0 || t.LinkRate > 0
}

// Server configures the built-in server.
type Server struct {
	// Workers is the number of server worker processes; 0 = as many as the fd budget needs.
	Workers int `json:"workers"`
	// Backlog is the listen(2) backlog (default 4096).
	Backlog int `json:"backlog"`
	// OnData is what the server does with data it reads: "discard" (default), "echo", "reply-once", "ignore" (never read).
	OnData string `json:"on_data"`
	// Reply is the reply sent by "reply-once" (default "OK\n").
	Reply string `json:"reply"`
	// CloseMode is the default mode of close phases with side = "server":
	// "fin" (default) or "rst". The decoder applies it to every such phase
	// that has no mode of its own; nothing else reads it.
	CloseMode string `json:"close_mode"`
	// ConnBuffer is the size of each of a connection slot's two buffers
	// (read and write) in a classic static connection pool, allocated once
	// per slot of the table as a naive C server does; 0 (default) is the
	// compact connection table with a shared read buffer per worker.
	ConnBuffer int64 `json:"conn_buffer"`
	// FDLimit caps RLIMIT_NOFILE of each server worker; 0 = as high as allowed.
	FDLimit int `json:"fd_limit"`
	// AcceptRate caps accepts per second over all server workers; 0 = unlimited.
	AcceptRate int `json:"accept_rate"`
	// Command, when set, runs this program (argv, with placeholders; see
	// docs/byo.md) in the server namespace instead of the built-in server.
	Command []string `json:"command"`
	// Env is added to the environment of Command.
	Env map[string]string `json:"env"`
	// Protocol is what the built-in server speaks: "echo" (on-data
	// decides) or one of internal/protocols.Names.
	Protocol string `json:"protocol"`
	// Body is what the built-in http server answers.
	Body string `json:"body"`
	// RoleLimits caps the server's processes through a cgroup.
	RoleLimits
	// Listen is how the built-in server listens: ListenAddresses (default:
	// a listener per address and port, IPv6 ones v6-only), ListenAny (one
	// per port on the family's wildcard) or ListenDual (one per port on
	// [::] taking IPv4 and IPv6: needs topology.family = "dual").
	Listen string `json:"listen"`
	// Engine is how the built-in server waits for its sockets: "auto"
	// (default: io_uring where it can be set up, else epoll), "epoll" or
	// "io_uring". The plan says which runs (Plan.ServerEngine).
	Engine string `json:"engine"`
}

// Client configures the built-in clients.
type Client struct {
	// Connections is the total number of connections all clients open.
	Connections int `json:"connections"`
	// Workers is the number of client worker processes; 0 = as many as the fd budget needs.
	Workers int `json:"workers"`
	// ConnectRate is connects per second over all workers; 0 = as fast as possible.
	ConnectRate int `json:"connect_rate"`
	// InFlight caps connects in progress over all workers; 0 (default)
	// means DefaultInFlightPerWorker per worker. Plan.InFlightPerWorker is
	// what each worker gets.
	InFlight int `json:"in_flight"`
	// Window is how each worker's cap on connects in progress behaves:
	// "adaptive" (default) moves it between 32 and the in-flight share
	// with the worker's backlog, "fixed" keeps the share.
	Window string `json:"window"`
	// Message is sent once after connecting; "%d" is replaced by the connection index.
	Message string `json:"message"`
	// SourceStrategy is how source addresses are chosen: "round-robin" (default) or "fill" (use one address until it fails).
	SourceStrategy string `json:"source_strategy"`
	// PortSelection is who picks source ports: "kernel" (connect() searches
	// the namespace's ip_local_port_range), "explicit" (each worker walks a
	// slice of the range of its own, one port per socket with
	// IP_LOCAL_PORT_RANGE, Linux 6.3+) or "auto" (explicit where the kernel
	// supports it). Default "auto".
	PortSelection string `json:"port_selection"`
	// Retries is how many times a failed connect is retried (default 0).
	Retries int `json:"retries"`
	// FDLimit caps RLIMIT_NOFILE of each client worker; 0 = as high as allowed.
	FDLimit int `json:"fd_limit"`
	// Command, when set, runs this program (argv, with placeholders; see
	// docs/byo.md) in the client namespaces instead of the built-in clients.
	Command []string `json:"command"`
	// Env is added to the environment of Command.
	Env map[string]string `json:"env"`
	// Protocol is what the built-in clients speak: "echo" (default: the
	// traffic message comes back verbatim) or one of
	// internal/protocols.Names, with its keys in Proto.
	Protocol string `json:"protocol"`
	// Proto holds the protocol's keys.
	Proto Proto `json:"proto"`
	// Reconnect is how a connection the server closed or reset is
	// opened again (off by default).
	Reconnect Reconnect `json:"reconnect"`
	// RoleLimits caps the clients' processes through a cgroup.
	RoleLimits
}

// Sysctls holds per-namespace sysctl settings by role.
type Sysctls struct {
	// Server settings are written in the server namespace.
	Server map[string]string `json:"server"`
	// Client settings are written in every client namespace.
	Client map[string]string `json:"client"`
}

// Phase kinds.
const (
	PhaseConnect = "connect"
	PhaseHold    = "hold"
	PhaseClose   = "close"
	PhaseSend    = "send"
	PhaseWait    = "wait"
	// PhaseTraffic is a heartbeat: every participating connection sends
	// Bytes every Interval for Duration, the server echoes, the clients
	// measure each round trip.
	PhaseTraffic = "traffic"
)

// Phase is one step of a run.
type Phase struct {
	// Kind is connect, hold, close, send, wait or traffic.
	Kind string `json:"kind"`
	// Name labels the phase in progress and results (default: Kind and index).
	Name string `json:"name"`
	// Target is the number of connections a connect phase opens (default: client.connections).
	Target int `json:"target"`
	// Rate is connects or closes per second over all workers; 0 = as fast as possible.
	Rate int `json:"rate"`
	// Duration is how long a hold lasts, or how long a traffic phase sends.
	Duration time.Duration `json:"duration_seconds"`
	// Interval is how often each connection of a traffic phase sends a message.
	Interval time.Duration `json:"interval_seconds"`
	// Timeout bounds connect, close, send, wait and traffic phases (default
	// 120s; a traffic phase's default is Duration + Interval + 120s).
	Timeout time.Duration `json:"timeout_seconds"`
	// Side is who closes: "server" or "client" (close phases).
	Side string `json:"side"`
	// Fraction of connections to close (close phases) or that send
	// (traffic phases), 0 < f <= 1 (default 1).
	Fraction float64 `json:"fraction"`
	// Mode is "fin" or "rst" (close phases; default fin).
	Mode string `json:"mode"`
	// Bytes is how many bytes each connection sends (send phases), or the
	// size of each message (traffic phases, default 64, 16 to 65,536).
	Bytes int64 `json:"bytes"`
	// From is who sends in a send phase: "client" (default) or "server".
	From string `json:"from"`
	// Until is a wait phase's condition, parsed from "established>=N",
	// "established<=N", "sockets-gone", "errors>=N"; unset (IsSet false)
	// when the phase only waits out its timeout.
	Until Condition `json:"until"`
}

// Expect lists what must hold for a run to pass. Zero values are not checked.
type Expect struct {
	// MinEstablished is the least peak of established connections.
	MinEstablished int `json:"min_established"`
	// MaxEstablished is the most peak of established connections (0 = unchecked).
	MaxEstablished int `json:"max_established"`
	// ErrorsPresent lists errno names that must appear (e.g. "EADDRNOTAVAIL").
	ErrorsPresent []string `json:"errors_present"`
	// ErrorsAbsent lists errno names that must not appear; ["*"] means none at all.
	ErrorsAbsent []string `json:"errors_absent"`
	// CloseWithin bounds the duration of every close phase.
	CloseWithin time.Duration `json:"close_within_seconds"`
	// NoNodeKilled requires every worker process to survive.
	NoNodeKilled bool `json:"no_node_killed"`
	// Counters lists nstat counters that must be at least the given value, e.g. {"TCPTimeWaitOverflow" = 1}.
	Counters map[string]int64 `json:"counters"`
	// CountersMax lists nstat counters that must grow by at most the given
	// value, e.g. {"ListenOverflows" = 0} for a cure that must not see them.
	CountersMax map[string]int64 `json:"counters_max"`
	// KernelLog lists kernel messages that must appear during the run,
	// each one of the messages the run watches (KernelMessages), e.g.
	// "TCP: out of memory".
	KernelLog []string `json:"kernel_log"`
	// MinUserBytesPerConn and MaxUserBytesPerConn bound the workers' memory
	// (PSS of both roles at the peak) per established connection, the run's
	// summary.user_bytes_per_conn; 0 = unchecked. The conn-pool lab
	// requires its static pool to show.
	MinUserBytesPerConn int64 `json:"min_user_bytes_per_conn"`
	MaxUserBytesPerConn int64 `json:"max_user_bytes_per_conn"`
	// MinServerSyscallsPerConn and MaxServerSyscallsPerConn bound the
	// built-in server's system calls per connection, the run's
	// summary.server_syscalls_per_conn; 0 = unchecked. The server-engine
	// labs check each engine's crossings.
	MinServerSyscallsPerConn int64 `json:"min_server_syscalls_per_conn"`
	MaxServerSyscallsPerConn int64 `json:"max_server_syscalls_per_conn"`
	// ConnectP99Max and ConnectP99Min bound the p99 of connect latency
	// over all connect phases merged; 0 = unchecked.
	ConnectP99Max time.Duration `json:"connect_p99_max_seconds"`
	ConnectP99Min time.Duration `json:"connect_p99_min_seconds"`
	// RTTP99Max bounds the p99 and RTTP50Min the p50 of the round trips of
	// all traffic phases merged; 0 = unchecked.
	RTTP99Max time.Duration `json:"rtt_p99_max_seconds"`
	// HandshakeP99Max bounds the p99 of the protocol handshakes (from
	// established to the answer read whole) over all connect phases
	// merged; 0 = unchecked.
	HandshakeP99Max time.Duration `json:"handshake_p99_max_seconds"`
	RTTP50Min       time.Duration `json:"rtt_p50_min_seconds"`
	// MessagesPerSecondMin is the least messages answered per second of
	// each traffic phase (answered / the phase's duration); 0 = unchecked.
	// --scale scales it like the other counts.
	MessagesPerSecondMin float64 `json:"messages_per_second_min"`
	// MinOOMKills is the fewest processes the kernel's OOM killer must end
	// in the roles' cgroups (a lab that shows the kill; 0 = unchecked).
	MinOOMKills int64 `json:"min_oom_kills"`
	// MaxOOMKills is the most it may end; nil = unchecked (0: none).
	MaxOOMKills *int64 `json:"max_oom_kills,omitempty"`
	// MaxThrottled is the largest share, in percent, of a role's CFS
	// periods in which its cpu-limit throttled it; nil = unchecked.
	MaxThrottled *float64 `json:"max_throttled_percent,omitempty"`
}

// Values of Scenario.Scaling.
const (
	ScalingLimits = "limits"
	ScalingWhole  = "whole"
)
