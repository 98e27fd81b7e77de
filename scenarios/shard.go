package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Shard is one slice of a scenario's client load: shard Index (from 0)
// of Count. N shards of one scenario add up to it exactly: each takes
// Part of every count, Offset gives it the first connection index of its
// own, and PortSlice gives it source ports no other shard uses.
// A zero Shard (Count 0) and 0/1 are the whole scenario.
type Shard struct {
	Index int `json:"index"` // from 0, as JOB_COMPLETION_INDEX counts
	Count int `json:"count"` // N, the number of shards
}

// ParseShard reads "I/N" (0 <= I < N).
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("%w: shard %q: write it as I/N, e.g. 0/4 for the first of four shards", ErrInvalid, s)
	}
	idx, err1 := strconv.Atoi(i)
	cnt, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("%w: shard %q: I and N must be whole numbers, e.g. 0/4", ErrInvalid, s)
	}
	sh := Shard{Index: idx, Count: cnt}
	return sh, sh.Check()
}

// Check says whether the shard is one of its count.
func (s Shard) Check() error {
	if s.Count < 1 || s.Count > MaxShards || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("%w: shard %d/%d: need 0 <= I < N <= %d (shards are numbered from 0, as JOB_COMPLETION_INDEX is)", ErrInvalid, s.Index, s.Count, MaxShards)
	}
	return nil
}

// MaxShards bounds the shard count (a Kubernetes Indexed Job allows
// 100,000 completions).
const MaxShards = 100000

// Whole reports whether the shard is the whole scenario.
func (s Shard) Whole() bool { return s.Count <= 1 }

// String is "I/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, max(s.Count, 1)) }

// Part is the shard's part of total: total split as evenly as possible,
// the first total mod N shards taking one more.
func (s Shard) Part(total int) int {
	if s.Whole() {
		return total
	}
	p := total / s.Count
	if s.Index < total%s.Count {
		p++
	}
	return p
}

// Offset is the sum of the parts of the shards before this one: the
// shard's parts of total are [Offset, Offset+Part) and never overlap.
func (s Shard) Offset(total int) int {
	if s.Whole() {
		return 0
	}
	q, r := total/s.Count, total%s.Count
	return s.Index*q + min(s.Index, r)
}

// PartFloat is the shard's even part of v.
func (s Shard) PartFloat(v float64) float64 {
	if s.Whole() {
		return v
	}
	return v / float64(s.Count)
}

// PortSlice is the shard's slice of the port range [low, high]: equal
// contiguous slices, the last one taking the remainder, so the slices
// cover the range and never overlap. A range narrower than the shard
// count gives ok false.
func (s Shard) PortSlice(low, high int) (lo, hi int, ok bool) {
	if s.Whole() {
		return low, high, high >= low
	}
	width := high - low + 1
	size := width / s.Count
	if size < 1 {
		return 0, 0, false
	}
	lo = low + s.Index*size
	hi = lo + size - 1
	if s.Index == s.Count-1 {
		hi = high
	}
	return lo, hi, true
}

// Sharded returns a deep copy of the scenario with shard s's part of its
// client load: client.connections, in-flight, connect rate, the server's
// accept rate, every phase's target and rate, wait conditions' counts,
// min- and max-established and messages-per-second-min. Everything else
// (topology, timings, fractions, latency bounds, errors) is the same in
// every shard. A rate is refused when it is lower than the shard count
// (a shard would get 0, which means "as fast as possible"), and so are
// more shards than connections: say how to fix either.
func (sc *Scenario) Sharded(s Shard) (*Scenario, error) {
	if s.Count == 0 {
		s = Shard{Count: 1}
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	c := sc.clone()
	if s.Whole() {
		return c, nil
	}
	if sc.Client.Connections < s.Count {
		return nil, fmt.Errorf("%w: %d shards for %d connections: use at most %d shards", ErrInvalid, s.Count, sc.Client.Connections, sc.Client.Connections)
	}
	rate := func(what string, r int) (int, error) {
		if r > 0 && r < s.Count {
			return 0, fmt.Errorf("%w: %s %d cannot be split over %d shards (a shard would get none): use at most %d shards or a higher rate", ErrInvalid, what, r, s.Count, r)
		}
		return s.Part(r), nil
	}
	var err error
	c.Client.Connections = s.Part(sc.Client.Connections)
	if c.Client.InFlight, err = rate("client in-flight", sc.Client.InFlight); err != nil {
		return nil, err
	}
	if c.Client.ConnectRate, err = rate("client connect-rate", sc.Client.ConnectRate); err != nil {
		return nil, err
	}
	if c.Server.AcceptRate, err = rate("server accept-rate", sc.Server.AcceptRate); err != nil {
		return nil, err
	}
	for i := range c.Phases {
		p := &c.Phases[i]
		p.Target = s.Part(p.Target)
		if p.Rate, err = rate(fmt.Sprintf("phase %s rate", p.Name), p.Rate); err != nil {
			return nil, err
		}
		if p.Until.IsSet() && p.Until.Metric != "sockets-gone" {
			p.Until.Value = int64(s.Part(int(min(p.Until.Value, math.MaxInt32*1024))))
		}
	}
	c.Expect.MinEstablished = s.Part(sc.Expect.MinEstablished)
	c.Expect.MaxEstablished = s.Part(sc.Expect.MaxEstablished)
	c.Expect.MessagesPerSecondMin = s.PartFloat(sc.Expect.MessagesPerSecondMin)
	return c, nil
}

// Unshard puts shards back together: given the scenario of every shard
// (parts[i] is shard i of len(parts)), it returns the whole scenario,
// each sharded count the sum of the parts. It is what merge evaluates
// the expectations of the whole with. Parts of different scenarios are
// refused.
func Unshard(parts []*Scenario) (*Scenario, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no shards to put together", ErrInvalid)
	}
	w := parts[0].clone()
	for i, p := range parts[1:] {
		if p.Name != w.Name || len(p.Phases) != len(w.Phases) {
			return nil, fmt.Errorf("%w: shard %d is of scenario %s (%d phases), shard 0 of %s (%d phases): merge the shards of one run", ErrInvalid, i+1, p.Name, len(p.Phases), w.Name, len(w.Phases))
		}
		w.Client.Connections += p.Client.Connections
		w.Client.InFlight += p.Client.InFlight
		w.Client.ConnectRate += p.Client.ConnectRate
		w.Server.AcceptRate += p.Server.AcceptRate
		for j := range w.Phases {
			a, b := &w.Phases[j], p.Phases[j]
			if a.Kind != b.Kind {
				return nil, fmt.Errorf("%w: phase %d is %s in shard 0 and %s in shard %d: merge the shards of one run", ErrInvalid, j+1, a.Kind, b.Kind, i+1)
			}
			a.Target += b.Target
			a.Rate += b.Rate
			if a.Until.IsSet() && a.Until.Metric != "sockets-gone" {
				a.Until.Value += b.Until.Value
			}
		}
		w.Expect.MinEstablished += p.Expect.MinEstablished
		w.Expect.MaxEstablished += p.Expect.MaxEstablished
		w.Expect.MessagesPerSecondMin += p.Expect.MessagesPerSecondMin
	}
	return w, nil
}
