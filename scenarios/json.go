package scenarios

import (
	"encoding/json"
	"math"
	"time"
)

// MarshalJSON writes a phase with its durations as float seconds
// (duration_seconds, interval_seconds, timeout_seconds), as run.json
// documents.
func (p Phase) MarshalJSON() ([]byte, error) {
	type plain Phase
	return json.Marshal(struct {
		plain
		Duration float64 `json:"duration_seconds"`
		Interval float64 `json:"interval_seconds"`
		Timeout  float64 `json:"timeout_seconds"`
	}{plain(p), seconds(p.Duration), seconds(p.Interval), seconds(p.Timeout)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (p *Phase) UnmarshalJSON(b []byte) error {
	type plain Phase
	v := struct {
		*plain
		Duration float64 `json:"duration_seconds"`
		Interval float64 `json:"interval_seconds"`
		Timeout  float64 `json:"timeout_seconds"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p.Duration, p.Interval, p.Timeout = fromSeconds(v.Duration), fromSeconds(v.Interval), fromSeconds(v.Timeout)
	return nil
}

// MarshalJSON writes the topology with the link delay and jitter as
// float seconds (link_delay_seconds, link_jitter_seconds).
func (t Topology) MarshalJSON() ([]byte, error) {
	type plain Topology
	return json.Marshal(struct {
		plain
		LinkDelay  float64 `json:"link_delay_seconds"`
		LinkJitter float64 `json:"link_jitter_seconds"`
	}{plain(t), seconds(t.LinkDelay), seconds(t.LinkJitter)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (t *Topology) UnmarshalJSON(b []byte) error {
	type plain Topology
	v := struct {
		*plain
		LinkDelay  float64 `json:"link_delay_seconds"`
		LinkJitter float64 `json:"link_jitter_seconds"`
	}{plain: (*plain)(t)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	t.LinkDelay, t.LinkJitter = fromSeconds(v.LinkDelay), fromSeconds(v.LinkJitter)
	return nil
}

// MarshalJSON writes the expectations with their durations as float
// seconds (close_within_seconds, connect_p99_max_seconds, ...).
func (e Expect) MarshalJSON() ([]byte, error) {
	type plain Expect
	return json.Marshal(struct {
		plain
		CloseWithin   float64 `json:"close_within_seconds"`
		ConnectP99Max float64 `json:"connect_p99_max_seconds"`
		ConnectP99Min float64 `json:"connect_p99_min_seconds"`
		RTTP99Max     float64 `json:"rtt_p99_max_seconds"`
		RTTP50Min     float64 `json:"rtt_p50_min_seconds"`
		HandshakeMax  float64 `json:"handshake_p99_max_seconds"`
	}{plain(e), seconds(e.CloseWithin), seconds(e.ConnectP99Max), seconds(e.ConnectP99Min), seconds(e.RTTP99Max), seconds(e.RTTP50Min), seconds(e.HandshakeP99Max)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *Expect) UnmarshalJSON(b []byte) error {
	type plain Expect
	v := struct {
		*plain
		CloseWithin   float64 `json:"close_within_seconds"`
		ConnectP99Max float64 `json:"connect_p99_max_seconds"`
		ConnectP99Min float64 `json:"connect_p99_min_seconds"`
		RTTP99Max     float64 `json:"rtt_p99_max_seconds"`
		RTTP50Min     float64 `json:"rtt_p50_min_seconds"`
		HandshakeMax  float64 `json:"handshake_p99_max_seconds"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	e.CloseWithin = fromSeconds(v.CloseWithin)
	e.ConnectP99Max, e.ConnectP99Min = fromSeconds(v.ConnectP99Max), fromSeconds(v.ConnectP99Min)
	e.RTTP99Max, e.RTTP50Min = fromSeconds(v.RTTP99Max), fromSeconds(v.RTTP50Min)
	e.HandshakeP99Max = fromSeconds(v.HandshakeMax)
	return nil
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// fromSeconds rounds to the nanosecond, so 0.9 s comes back as 900 ms.
func fromSeconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
