package scenarios

import (
	"maps"
	"math"
	"slices"
)

// Scaled returns a deep copy of s with connection counts multiplied by f:
// client.connections, connect targets, connect, accept and close rates, expected established counts
// and the counts in wait conditions, each rounded and at least 1. The
// topology, timings and limits stay as they are.
func (s *Scenario) Scaled(f float64) *Scenario {
	if CheckScale(f) != nil {
		f = 1 // NaN, infinities and non-positive factors leave the scenario whole
	}
	c := *s
	c.Topology.ServerPorts = slices.Clone(s.Topology.ServerPorts)
	c.Sysctl.Server = maps.Clone(s.Sysctl.Server)
	c.Sysctl.Client = maps.Clone(s.Sysctl.Client)
	c.Host = maps.Clone(s.Host)
	c.Phases = slices.Clone(s.Phases)
	c.Expect.ErrorsPresent = slices.Clone(s.Expect.ErrorsPresent)
	c.Expect.ErrorsAbsent = slices.Clone(s.Expect.ErrorsAbsent)
	c.Expect.Counters = maps.Clone(s.Expect.Counters)
	c.Expect.CountersMax = maps.Clone(s.Expect.CountersMax)
	c.Expect.KernelLog = slices.Clone(s.Expect.KernelLog)

	c.Client.Connections = scaleInt(s.Client.Connections, f)
	c.Client.ConnectRate = scaleInt(s.Client.ConnectRate, f)
	c.Server.AcceptRate = scaleInt(s.Server.AcceptRate, f)
	for i := range c.Phases {
		p := &c.Phases[i]
		p.Target = scaleInt(p.Target, f)
		p.Rate = scaleInt(p.Rate, f)
		if p.Until.IsSet() && p.Until.Metric != "sockets-gone" {
			p.Until.Value = int64(scaleInt(int(p.Until.Value), f))
		}
	}
	c.Expect.MinEstablished = scaleInt(s.Expect.MinEstablished, f)
	c.Expect.MaxEstablished = scaleInt(s.Expect.MaxEstablished, f)
	return &c
}

// scaleInt multiplies n by f, rounding, keeping 0 as 0 and anything else at least 1.
func scaleInt(n int, f float64) int {
	if n == 0 {
		return 0
	}
	v := math.Round(float64(n) * f)
	if v < 1 || v != v {
		return 1
	}
	if v > math.MaxInt32*1024 {
		return math.MaxInt32 * 1024
	}
	return int(v)
}
