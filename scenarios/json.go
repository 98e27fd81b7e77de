package scenarios

import (
	"encoding/json"
	"time"
)

// MarshalJSON writes a phase with its durations as float seconds
// (duration_seconds, timeout_seconds), as run.json documents.
func (p Phase) MarshalJSON() ([]byte, error) {
	type plain Phase
	return json.Marshal(struct {
		plain
		Duration float64 `json:"duration_seconds"`
		Timeout  float64 `json:"timeout_seconds"`
	}{plain(p), seconds(p.Duration), seconds(p.Timeout)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (p *Phase) UnmarshalJSON(b []byte) error {
	type plain Phase
	v := struct {
		*plain
		Duration float64 `json:"duration_seconds"`
		Timeout  float64 `json:"timeout_seconds"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p.Duration, p.Timeout = fromSeconds(v.Duration), fromSeconds(v.Timeout)
	return nil
}

// MarshalJSON writes the expectations with close-within as float seconds
// (close_within_seconds).
func (e Expect) MarshalJSON() ([]byte, error) {
	type plain Expect
	return json.Marshal(struct {
		plain
		CloseWithin float64 `json:"close_within_seconds"`
	}{plain(e), seconds(e.CloseWithin)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *Expect) UnmarshalJSON(b []byte) error {
	type plain Expect
	v := struct {
		*plain
		CloseWithin float64 `json:"close_within_seconds"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	e.CloseWithin = fromSeconds(v.CloseWithin)
	return nil
}

func seconds(d time.Duration) float64 { return d.Seconds() }

func fromSeconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
