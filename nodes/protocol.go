package nodes

import (
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
)

// The control protocol: JSON lines. The orchestrator writes Commands to a
// node's stdin; the node writes Reports to its stdout. See docs/node-protocol.md.

// Command names.
const (
	CmdStart   = "start"
	CmdConnect = "connect"
	CmdClose   = "close"
	CmdSend    = "send"
	CmdTraffic = "traffic"
	CmdReport  = "report"
	CmdStop    = "stop"
)

// Command is one line from the orchestrator to a node.
type Command struct {
	// Cmd is start, connect, close, send, traffic, report or stop.
	Cmd string `json:"cmd"`
	// Server is the server configuration (start, server role).
	Server *ServerConfig `json:"server,omitempty"`
	// Client is the client configuration (start, client role).
	Client *ClientConfig `json:"client,omitempty"`
	// Count is how many connections to open (connect).
	Count int `json:"count,omitempty"`
	// Rate is connects or closes per second for this node; 0 = unlimited.
	Rate int `json:"rate,omitempty"`
	// InFlight caps connects in progress (connect); required, > 0: the
	// orchestrator's plan sets it, the node has no default.
	InFlight int `json:"in_flight,omitempty"`
	// Window is how the cap on connects in progress behaves (connect):
	// "adaptive" (or empty) starts small and moves between windowMin and
	// InFlight with the loop's backlog; "fixed" keeps InFlight.
	Window string `json:"window,omitempty"`
	// Fraction of this node's connections to close (close) or to take part
	// in a traffic run (traffic), 0 < f <= 1.
	Fraction float64 `json:"fraction,omitempty"`
	// Mode is "fin" or "rst" (close).
	Mode string `json:"mode,omitempty"`
	// Bytes each connection sends (send), or the size of every message of
	// a traffic run (traffic, TrafficMinBytes … TrafficMaxBytes).
	Bytes int64 `json:"bytes,omitempty"`
	// Interval is how often each participating connection sends one
	// message (traffic), in nanoseconds on the wire.
	Interval time.Duration `json:"interval_ns,omitempty"`
	// Duration is how long a traffic run sends (traffic), in nanoseconds
	// on the wire; replies are then awaited up to Interval + 2 s.
	Duration time.Duration `json:"duration_ns,omitempty"`
}

// Limits of a traffic command.
const (
	// TrafficMinBytes is the smallest traffic message: 8 bytes of intended
	// send time and 8 bytes of marker.
	TrafficMinBytes = 16
	// TrafficMaxBytes is the largest traffic message (the reply offset is
	// kept in 16 bits of the connection's table slot).
	TrafficMaxBytes = 64 << 10
	// TrafficMinInterval and TrafficMaxInterval bound a traffic command's
	// interval.
	TrafficMinInterval = time.Millisecond
	TrafficMaxInterval = time.Hour
	// TrafficDrain is added to one interval to give the time a traffic run
	// waits for its outstanding replies after it stopped sending.
	TrafficDrain = 2 * time.Second
)

// ServerConfig configures a server worker.
type ServerConfig struct {
	// Addrs are the addresses to listen on, IPv4 or IPv6 literals without
	// brackets ("198.18.0.1", "2001:2::1").
	Addrs []string `json:"addrs"`
	// Ports are the TCP ports to listen on (every address × every port).
	Ports []int `json:"ports"`
	// Listen is what the listeners bind: "" or ListenAddresses (one per
	// address × port, an IPv6 one with IPV6_V6ONLY), ListenAny (one per
	// port on the wildcard of each family of Addrs: 0.0.0.0, and [::]
	// with IPV6_V6ONLY) or ListenDual (one per port on [::] without
	// IPV6_V6ONLY, taking both families).
	Listen string `json:"listen,omitempty"`
	// Backlog is the listen backlog.
	Backlog int `json:"backlog"`
	// OnData is "discard", "echo", "reply-once" or "ignore".
	OnData string `json:"on_data"`
	// Reply is what "reply-once" sends.
	Reply string `json:"reply,omitempty"`
	// FDLimit caps RLIMIT_NOFILE; 0 = as high as allowed.
	FDLimit int `json:"fd_limit,omitempty"`
	// AcceptRate caps accepts per second of this worker; 0 = unlimited. A
	// slow acceptor lets the accept queue fill (the syn-backlog lab).
	AcceptRate int `json:"accept_rate,omitempty"`
	// ConnBuffer, when > 0, gives every slot of the connection table its
	// own read buffer and write buffer of this many bytes (the classic
	// server's static connection pool: reserved for the fd limit at start,
	// resident per slot from its first connection on, never given back);
	// reads go into the slot's buffer, echo writes from its write buffer.
	// 0 = the compact table and one shared read buffer per worker.
	ConnBuffer int `json:"conn_buffer,omitempty"`
	// Protocol is what the server speaks: "" or ProtoEcho (on_data
	// decides), or one of Protocols: then it answers that protocol's
	// requests (on_data must be "" or "echo").
	Protocol string `json:"protocol,omitempty"`
	// ProtoOptions are the protocol's settings (Body for http).
	ProtoOptions ProtoOptions `json:"proto_options,omitzero"`
	// Engine is how the worker waits: EngineEpoll ("" too), EngineIOUring
	// (an error where io_uring cannot be set up) or EngineAuto (io_uring
	// where it can be).
	Engine string `json:"engine,omitempty"`
}

// Listen modes of a server (ServerConfig.Listen).
const (
	ListenAddresses = "addresses"
	ListenAny       = "any"
	ListenDual      = "dual"
)

// ClientConfig configures a client worker.
type ClientConfig struct {
	// Sources are the local addresses to connect from, IPv4 or IPv6
	// literals without brackets; each pairs only with the servers of its
	// own family.
	Sources []string `json:"sources"`
	// SourcePrefix, an IPv6 prefix of at most 64 bits routed as local in
	// the client's namespace (ip -6 route add local PREFIX dev lo), lends
	// SourceCount more sources (1 to MaxSourceCount) that are on no
	// interface: they are spread over the prefix reproducibly (the same
	// in every worker given the same prefix and count) and bound with
	// IPV6_FREEBIND. Either or both of Sources and SourcePrefix.
	SourcePrefix string `json:"source_prefix,omitempty"`
	SourceCount  int    `json:"source_count,omitempty"`
	// Servers are the server addresses, IPv4 or IPv6 literals.
	Servers []string `json:"servers"`
	// Ports are the server ports.
	Ports []int `json:"ports"`
	// Message is sent after connect; "%d" becomes the connection index.
	Message string `json:"message,omitempty"`
	// IndexBase is added to this worker's local connection index in Message.
	IndexBase int `json:"index_base,omitempty"`
	// Strategy is "round-robin" or "fill".
	Strategy string `json:"strategy,omitempty"`
	// Retries is how many times a failed connect is retried.
	Retries int `json:"retries,omitempty"`
	// FDLimit caps RLIMIT_NOFILE; 0 = as high as allowed.
	FDLimit int `json:"fd_limit,omitempty"`
	// PortLow and PortHigh, when both set, make the worker choose source
	// ports itself: each (source, server, port) tuple walks [PortLow,
	// PortHigh] and every socket gets a one-port IP_LOCAL_PORT_RANGE
	// (Linux 6.3+), so connect() skips the kernel's port search. Workers
	// that share a source address need disjoint ranges. The range must lie
	// inside the namespace's ip_local_port_range. 0 = the kernel chooses.
	// Refused with SourcePrefix (a cursor per tuple would be too many).
	PortLow  int `json:"port_low,omitempty"`
	PortHigh int `json:"port_high,omitempty"`
	// Protocol is what the client speaks: "" or ProtoEcho (traffic
	// messages echoed verbatim), or one of Protocols: then every
	// connection makes the protocol's handshake after connecting, sends
	// its keep-alive in every phase, and a traffic run sends its timed
	// request (see docs/node-protocol.md). Message must be empty then.
	Protocol string `json:"protocol,omitempty"`
	// ProtoOptions are the protocol's settings.
	ProtoOptions ProtoOptions `json:"proto_options,omitzero"`
	// Reconnect, when set ("fixed" or "exponential"), opens a connection
	// the server closed or reset (or that broke its protocol) again after
	// a backoff, its handshake included; a failed attempt backs off
	// further. Connections a close command closes are not reopened.
	Reconnect string `json:"reconnect,omitempty"`
	// ReconnectDelay is the first backoff (and every one, "fixed");
	// ReconnectMaxDelay caps "exponential"'s doubling; ReconnectJitter
	// draws each wait uniformly from [0, the backoff].
	ReconnectDelay    time.Duration `json:"reconnect_delay_ns,omitempty"`
	ReconnectMaxDelay time.Duration `json:"reconnect_max_delay_ns,omitempty"`
	ReconnectJitter   bool          `json:"reconnect_jitter,omitempty"`
}

// Report types.
const (
	ReportStats = "stats"
	ReportEvent = "event"
)

// Event names.
const (
	EventReady       = "ready"        // start done: listening (server) or ready to connect (client)
	EventConnectDone = "connect-done" // every connect of a connect command finished (ok or failed)
	EventCloseDone   = "close-done"   // every close of a close command was issued
	EventSendDone    = "send-done"    // every byte of a send command was written or failed
	EventTrafficDone = "traffic-done" // a traffic run stopped sending and its replies came or were awaited long enough
	EventError       = "error"        // a command failed; Detail says why
)

// Report is one line from a node to the orchestrator.
type Report struct {
	// Type is "stats" or "event".
	Type string `json:"type"`
	// UnixMilli is when the report was made.
	UnixMilli int64 `json:"t"`
	// Stats is set for Type "stats".
	Stats *Stats `json:"stats,omitempty"`
	// Event is set for Type "event".
	Event string `json:"event,omitempty"`
	// Detail explains an event.
	Detail string `json:"detail,omitempty"`
}

// Stats are a node's cumulative counters and current gauges.
type Stats struct {
	Established  int64            `json:"established"`      // open, connected sockets now
	Connecting   int64            `json:"connecting"`       // connects in progress now (client)
	Window       int64            `json:"window,omitempty"` // cap on connects in progress now, while a connect command runs (client)
	Accepted     int64            `json:"accepted"`         // total accepted (server)
	Connected    int64            `json:"connected"`        // total connects completed (client)
	ClosedByPeer int64            `json:"closed_by_peer"`   // total closed by the other side (EOF or reset)
	ClosedByUs   int64            `json:"closed_by_us"`     // total closed by this node
	BytesIn      int64            `json:"bytes_in"`
	BytesOut     int64            `json:"bytes_out"`
	Messages     int64            `json:"messages"` // newline-terminated messages received
	Errors       map[string]int64 `json:"errors,omitempty"`
	// RSS and PSS are a program's own memory, for programs that speak the
	// protocol and report it; c1m-node leaves them 0 (the orchestrator
	// reads every worker's memory from /proc itself).
	RSS     int64 `json:"rss,omitempty"`  // bytes
	PSS     int64 `json:"pss,omitempty"`  // bytes; RSS with pages shared among processes (the binary's text) divided among them
	FDs     int64 `json:"fds"`            // open file descriptors
	FDLimit int64 `json:"fd_limit"`       // RLIMIT_NOFILE soft limit in effect
	Pool    int64 `json:"pool,omitempty"` // bytes of the connection pool made resident (server with conn_buffer)
	// Syscalls counts the system calls the worker's loop made for its
	// connections and its waits since it started: accept4, epoll_ctl,
	// read, write, close, socket, bind, connect, socket options, the
	// waits, io_uring_enter (not the setup, the command stream's reads or
	// the stats lines' writes).
	Syscalls int64 `json:"syscalls,omitempty"`

	// ConnectHist holds every built-in client connect's latency since the
	// worker started, from its intended start to established; RTTHist
	// every traffic reply's round trip from its intended send time. Each
	// is sent only in the reports where its count changed since the
	// previous report (nil otherwise): keep the last one received.
	ConnectHist *histogram.Histogram `json:"connect_hist,omitempty"`
	// WaitHist holds the loop wait of one connect in 64 (client): how
	// long it sat established, the kernel's handshake done, before the
	// worker's loop reached it. Sent like ConnectHist.
	WaitHist    *histogram.Histogram `json:"wait_hist,omitempty"`
	RTTHist     *histogram.Histogram `json:"rtt_hist,omitempty"`
	MsgAsked    int64                `json:"msg_asked,omitempty"`    // traffic sends due by the schedule
	MsgSent     int64                `json:"msg_sent,omitempty"`     // traffic messages written whole
	MsgAnswered int64                `json:"msg_answered,omitempty"` // traffic replies read whole

	// A protocol's counters (a client with Protocol set; the server's
	// Handshakes too). HandshakeHist holds every handshake's time from
	// established to the answer read whole, sent like ConnectHist.
	HandshakeHist *histogram.Histogram `json:"handshake_hist,omitempty"`
	Handshakes    int64                `json:"handshakes,omitempty"`    // handshakes completed (client: answers accepted; server: upgrades/CONNACKs sent)
	Ready         int64                `json:"ready,omitempty"`         // connections open with their handshake done now (client)
	KeepSent      int64                `json:"keep_sent,omitempty"`     // keep-alive requests written
	KeepAnswered  int64                `json:"keep_answered,omitempty"` // keep-alive replies read
	Pongs         int64                `json:"pongs,omitempty"`         // server pings answered (client)
	Pushes        int64                `json:"pushes,omitempty"`        // frames the server sent unasked (client)
	// Reconnects counts reconnect attempts started, Reconnected those
	// back (established, and ready with a handshake); ReconnectsPending
	// the connections waiting for their backoff now.
	Reconnects        int64 `json:"reconnects,omitempty"`
	Reconnected       int64 `json:"reconnected,omitempty"`
	ReconnectsPending int64 `json:"reconnects_pending,omitempty"`
	// Statuses counts replies by class where the protocol has one (http:
	// "2xx" … "5xx").
	Statuses map[string]int64 `json:"statuses,omitempty"`
}
