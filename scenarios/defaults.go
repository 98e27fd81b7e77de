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
	DefaultPhaseTimeout      = 120 * time.Second
	DefaultFraction          = 1.0
	DefaultSendFrom          = "client"
	DefaultRouting           = "gateway"
	DefaultConnBuffer        = 0 // server.conn-buffer: the compact connection table
	DefaultScaling           = ScalingLimits
)

// Limits on values, so a typo cannot ask for something absurd.
const (
	MaxClientNamespaces = 64
	MaxRetries          = 100
	MaxBacklog          = 1 << 20
	MinFDLimit          = 128
	MaxConnBuffer       = 1 << 30   // server.conn-buffer, per buffer (the nodes' own cap)
	MaxSendBytes        = 1<<32 - 1 // bytes of a send phase, per connection (the nodes' own cap)
)
