package scenarios

import "time"

// Defaults applied to keys a scenario leaves out (docs/scenario-format.md).
const (
	DefaultClientNamespaces  = 1
	DefaultClientAddresses   = 1
	DefaultServerAddresses   = 1
	DefaultFirstPort         = 8000 // server-ports = N means 8000..8000+N-1
	DefaultBacklog           = 4096
	DefaultOnData            = "discard"
	DefaultReply             = "OK\n"
	DefaultCloseMode         = "fin"
	DefaultInFlightPerWorker = 2048 // client.in-flight = 0 means this per worker
	DefaultSourceStrategy    = "round-robin"
	DefaultPortSelection     = "auto"
	DefaultWindow            = "adaptive" // client.window
	DefaultEngine            = "auto"     // server.engine
	DefaultPhaseTimeout      = 120 * time.Second
	DefaultFraction          = 1.0
	DefaultSendFrom          = "client"
	DefaultRouting           = "gateway"
	// FamilyIPv4, FamilyIPv6 and FamilyDual are topology.family's values:
	// the addresses every namespace gets and the connections speak.
	FamilyIPv4 = "ipv4"
	FamilyIPv6 = "ipv6"
	FamilyDual = "dual"
	// SourcesAddresses and SourcesAnyIP are topology.client-sources's
	// values: the client addresses added one by one, or IPv6 sources bound
	// from each client namespace's /64, routed as local (AnyIP).
	SourcesAddresses = "addresses"
	SourcesAnyIP     = "anyip"
	// ListenAddresses, ListenAny and ListenDual are server.listen's
	// values: a listener per server address and port, one per port on the
	// family's wildcard, or one per port on [::] taking both families.
	ListenAddresses     = "addresses"
	ListenAny           = "any"
	ListenDual          = "dual"
	DefaultConnBuffer   = 0 // server.conn-buffer: the compact connection table
	DefaultScaling      = ScalingLimits
	DefaultTrafficBytes = 64 // bytes of each message of a traffic phase
)

// Limits on values, so a typo cannot ask for something absurd.
const (
	MaxClientNamespaces = 64
	MaxRetries          = 100
	// MaxPhases bounds a scenario's [[phase]] list: the built-ins have at
	// most a dozen; merge and report refuse records beyond it (256 and
	// 1,000), so no accepted scenario makes a record they refuse.
	MaxPhases     = 256
	MaxBacklog    = 1 << 20
	MinFDLimit    = 128
	MaxConnBuffer = 1 << 30   // server.conn-buffer, per buffer (the nodes' own cap)
	MaxSendBytes  = 1<<32 - 1 // bytes of a send phase, per connection (the nodes' own cap)
	// MinTrafficBytes is the smallest message of a traffic phase: its
	// first 8 bytes carry the intended send time, the rest pads it.
	MinTrafficBytes = 16
	// MaxTrafficBytes is the largest message of a traffic phase: a
	// heartbeat, not a bulk transfer (a send phase fills buffers).
	MaxTrafficBytes = 64 << 10
	// MaxTrafficDuration caps a traffic phase's duration: a day of
	// heartbeats is a soak test; more is a typo.
	MaxTrafficDuration = 24 * time.Hour
	// MinTrafficInterval is the shortest interval of a traffic phase (the
	// clients' timing wheel turns in milliseconds).
	MinTrafficInterval = time.Millisecond
	// MaxLinkDelay caps topology.link-delay (and so link-jitter).
	MaxLinkDelay = 10 * time.Second
	// MinLinkRate and MaxLinkRate bound topology.link-rate, in bits per second.
	MinLinkRate = 8_000
	MaxLinkRate = 100_000_000_000
)
