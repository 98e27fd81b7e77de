package topology

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// LinkShape is how every client link is impaired, in each direction: Build
// puts a netem qdisc with these parameters at the root of both ends of
// every client veth, so a packet from a client is shaped when it leaves
// the client namespace and its answer when it leaves the server namespace.
// A round trip therefore takes at least 2 x Delay, loss applies to each
// direction on its own (a round trip loses 1-(1-p)^2), and each direction
// gets the whole rate. The zero value shapes nothing and adds no qdisc.
type LinkShape struct {
	// Delay is added to every packet (netem latency; microsecond
	// resolution, at most MaxLinkDelay).
	Delay time.Duration
	// Jitter spreads the delay uniformly over [Delay-Jitter, Delay+Jitter]
	// (netem jitter, no distribution table). It needs a Delay, and since
	// netem then sends packets in the order of their delays, jitter
	// reorders packets.
	Jitter time.Duration
	// LossPercent is the share of packets dropped at random, 0 to 100.
	LossPercent float64
	// RateBitsPerSec caps the link's rate in bits per second (netem rate,
	// whole bytes per second, the 64-bit attribute above 2^32 bytes/s).
	RateBitsPerSec uint64
}

// MaxLinkDelay bounds Delay and Jitter: netem takes them as 32-bit counts
// of kernel scheduler ticks (64 ns on this kernel, about 274 s in all), so
// a much longer value would wrap; a minute is far beyond any real link.
const MaxLinkDelay = time.Minute

// LinkQueueLimit is the netem queue limit Build sets on every link end, in
// packets. tc's default of 1,000 would drop packets of the experiments
// this tool runs (1M connections x 64 B every 10 s is 100,000 messages/s,
// which over a 20 ms link keeps 2,000 messages and their ACKs in each
// queue), so only the loss asked for is lost. Queued packets cost memory
// outside the sockets' accounting (netem orphans them), at most this many
// per link end.
const LinkQueueLimit = 100_000

// ErrBadLinkShape is wrapped by LinkShape.Validate for a shape netem
// cannot apply.
var ErrBadLinkShape = errors.New("invalid link shape")

// ErrNoNetem is wrapped by Build (and CheckNetem) when a link shape is
// asked for but the kernel has no netem qdisc: the run cannot be done on
// this kernel until sch_netem is loaded.
var ErrNoNetem = errors.New("the kernel has no netem qdisc (sch_netem): load the sch_netem module (modprobe sch_netem) or use a kernel built with CONFIG_NET_SCH_NETEM")

// IsZero reports whether s shapes nothing.
func (s LinkShape) IsZero() bool { return s == LinkShape{} }

// Validate checks s without touching the system: no negative value, loss
// within 0..100, jitter only with a delay, durations within netem's
// resolution (1 µs) and range (MaxLinkDelay), a rate of at least one byte
// per second. Errors wrap ErrBadLinkShape.
func (s LinkShape) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadLinkShape, fmt.Sprintf(format, a...))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"delay", s.Delay}, {"jitter", s.Jitter}} {
		switch {
		case d.v < 0:
			return bad("link %s %v is negative: use 0 for none", d.name, d.v)
		case d.v > 0 && d.v < time.Microsecond:
			return bad("link %s %v is below netem's resolution of 1µs: use 0 or at least 1µs", d.name, d.v)
		case d.v > MaxLinkDelay:
			return bad("link %s %v is above %v", d.name, d.v, MaxLinkDelay)
		}
	}
	if s.Jitter > 0 && s.Delay == 0 {
		return bad("link jitter %v needs a link delay: jitter spreads the delay around its value", s.Jitter)
	}
	if math.IsNaN(s.LossPercent) || s.LossPercent < 0 || s.LossPercent > 100 {
		return bad("link loss %v%% is not a percentage from 0 to 100", s.LossPercent)
	}
	if s.RateBitsPerSec > 0 && s.RateBitsPerSec < 8 {
		return bad("link rate %d bit/s is below netem's 1 byte/s: use 0 for no limit or at least 8", s.RateBitsPerSec)
	}
	return nil
}

// String describes s as tc would show it, e.g. "delay 20ms jitter 1ms
// loss 0.5% rate 100000000bit", or "none".
func (s LinkShape) String() string {
	if s.IsZero() {
		return "none"
	}
	out := ""
	add := func(f string, a ...any) {
		if out != "" {
			out += " "
		}
		out += fmt.Sprintf(f, a...)
	}
	if s.Delay > 0 {
		add("delay %v", s.Delay)
	}
	if s.Jitter > 0 {
		add("jitter %v", s.Jitter)
	}
	if s.LossPercent > 0 {
		add("loss %g%%", s.LossPercent)
	}
	if s.RateBitsPerSec > 0 {
		add("rate %dbit", s.RateBitsPerSec)
	}
	return out
}
