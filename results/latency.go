package results

import (
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
)

// Latency is a latency result (a phase's connect times or round trips,
// or the whole run's): the percentiles every report shows, in seconds,
// and the exact histogram they came from, so that shards' results merge
// and the percentile-distribution chart can be drawn. docs/results.md
// documents the fields.
type Latency struct {
	Count uint64  `json:"count"`        // recordings
	P50   float64 `json:"p50_seconds"`  // histogram.Histogram.ValueAt(0.5)
	P90   float64 `json:"p90_seconds"`  // ValueAt(0.9)
	P99   float64 `json:"p99_seconds"`  // ValueAt(0.99)
	P999  float64 `json:"p999_seconds"` // ValueAt(0.999)
	Max   float64 `json:"max_seconds"`  // the largest recording, exactly

	// Histogram holds every recording (exact, mergeable); nil in a record
	// written without it.
	Histogram *histogram.Histogram `json:"histogram,omitempty"`
}

// NewLatency summarises h with a copy of it; a nil or empty h gives nil
// (the result is left out of run.json).
func NewLatency(h *histogram.Histogram) *Latency {
	if h == nil || h.Count() == 0 {
		return nil
	}
	c := *h
	p := c.Percentiles()
	return &Latency{Count: p.Count, P50: p.P50.Seconds(), P90: p.P90.Seconds(), P99: p.P99.Seconds(),
		P999: p.P999.Seconds(), Max: p.Max.Seconds(), Histogram: &c}
}

// Traffic is what a traffic phase sent and got back, over the phase.
type Traffic struct {
	MessagesAsked     int64   `json:"messages_asked"`      // sends the schedule made due
	MessagesSent      int64   `json:"messages_sent"`       // sends written whole
	MessagesAnswered  int64   `json:"messages_answered"`   // replies read whole
	MessagesPerSecond float64 `json:"messages_per_second"` // answered / the phase's seconds
	BytesSent         int64   `json:"bytes_sent"`
	BytesReceived     int64   `json:"bytes_received"`
}

// SetIntervalLatency fills the connect_p99_ms and rtt_p99_ms cells of s
// from the recordings of its interval (histogram.Histogram.Delta of two
// cumulative snapshots); a nil or empty histogram leaves its cell empty.
func (s *Sample) SetIntervalLatency(connect, rtt *histogram.Histogram) {
	s.ConnectP99, s.RTTP99 = intervalP99(connect), intervalP99(rtt)
}

// SetIntervalHandshake fills the handshake_p99_ms cell of s from the
// handshakes completed during its interval (empty when none).
func (s *Sample) SetIntervalHandshake(h *histogram.Histogram) {
	s.HandshakeP99 = intervalP99(h)
}

// SetIntervalTraffic fills the msgs_asked_per_sec and
// msgs_answered_per_sec cells of s from the messages asked and answered
// during its interval of seconds (call it while a traffic phase runs, so
// that a stall shows as 0 rather than an empty cell).
func (s *Sample) SetIntervalTraffic(asked, answered int64, seconds float64) {
	if seconds <= 0 {
		s.MsgsAskedPerSec, s.MsgsAnsweredPerSec = nil, nil
		return
	}
	a, b := float64(asked)/seconds, float64(answered)/seconds
	s.MsgsAskedPerSec, s.MsgsAnsweredPerSec = &a, &b
}

func intervalP99(h *histogram.Histogram) *time.Duration {
	if h == nil || h.Count() == 0 {
		return nil
	}
	d := h.ValueAt(0.99)
	return &d
}
