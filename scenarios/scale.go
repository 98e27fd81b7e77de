package scenarios

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/sat"
	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// Fresh network namespaces start with this ip_local_port_range.
const (
	kernelPortLow  = 32768
	kernelPortHigh = 60999
)

// scaledHostKeys are the [host] limits a lab lowers for its lesson, which
// Scaled shrinks with the load.
var scaledHostKeys = []string{
	"net.ipv4.tcp_mem", "net.ipv4.tcp_max_orphans",
	"net.netfilter.nf_conntrack_max", "net.nf_conntrack_max",
	"net.ipv4.neigh.default.gc_thresh1", "net.ipv4.neigh.default.gc_thresh2", "net.ipv4.neigh.default.gc_thresh3",
	"net.ipv6.neigh.default.gc_thresh1", "net.ipv6.neigh.default.gc_thresh2", "net.ipv6.neigh.default.gc_thresh3",
}

// Scaled returns a deep copy of s scaled by f, as ScaledNote does, without
// the note.
func (s *Scenario) Scaled(f float64) *Scenario {
	c, _ := s.ScaledNote(f)
	return c
}

// ScaledNote returns a deep copy of s for --scale f that keeps the lab's
// meaning, and a note for the user ("" when there is nothing to say).
//
// The load is multiplied by f: client.connections, connect targets,
// connect, accept and close rates, expected established counts and the
// counts in wait conditions, each rounded (max-established rounded down,
// so it stays below the connections) and at least 1, and
// messages-per-second-min (not rounded: traffic phases keep their
// interval and bytes, so their messages per second scale with the
// connections). The limits the lab lowers for its lesson shrink with it:
// the client port range when the five-tuples are tight (more than half
// in use), tcp_max_tw_buckets, the [host] limits tcp_mem,
// tcp_max_orphans, nf_conntrack_max and the neighbour thresholds, and
// fs.file-max "+N". Topology (link shaping included), timings, latency
// bounds and other settings stay. A lab that declares scaling = "whole",
// or whose scaled limit would fall below the floor that keeps the host
// usable, is returned whole, and the note says so. A factor CheckScale
// refuses (NaN, ±Inf, not positive) leaves the scenario whole.
func (s *Scenario) ScaledNote(f float64) (*Scenario, string) {
	c := s.clone()
	if CheckScale(f) != nil || f == 1 {
		return c, ""
	}
	if s.Scaling == ScalingWhole {
		return c, fmt.Sprintf("%s runs whole at --scale %g: it declares scaling = \"whole\" (its limit does not shrink with the load)", s.Name, f)
	}
	if why := c.scaleLimits(f); why != "" {
		return s.clone(), fmt.Sprintf("%s runs whole at --scale %g: %s", s.Name, f, why)
	}
	c.Client.Connections = scaleInt(s.Client.Connections, f)
	c.Client.ConnectRate = scaleInt(s.Client.ConnectRate, f)
	c.Client.InFlight = scaleInt(s.Client.InFlight, f)
	c.Server.AcceptRate = scaleInt(s.Server.AcceptRate, f)
	for i := range c.Phases {
		p := &c.Phases[i]
		p.Target = scaleInt(p.Target, f)
		p.Rate = scaleInt(p.Rate, f)
		if p.Until.IsSet() && p.Until.Metric != "sockets-gone" {
			p.Until.Value = int64(scaleInt(int(min(p.Until.Value, math.MaxInt32*1024)), f))
		}
	}
	c.Expect.MinEstablished = scaleInt(s.Expect.MinEstablished, f)
	c.Expect.MaxEstablished = scaleDown(s.Expect.MaxEstablished, f)
	// Traffic phases keep their interval, bytes and fraction (the load
	// of one connection), so the messages per second scale with the
	// connections, and so does the rate the lab expects.
	c.Expect.MessagesPerSecondMin = s.Expect.MessagesPerSecondMin * f
	return c, ""
}

// clone is a deep copy of s.
func (s *Scenario) clone() *Scenario {
	c := *s
	c.Topology.ServerPorts = slices.Clone(s.Topology.ServerPorts)
	c.Sysctl.Server = maps.Clone(s.Sysctl.Server)
	c.Sysctl.Client = maps.Clone(s.Sysctl.Client)
	c.Host = maps.Clone(s.Host)
	c.Phases = slices.Clone(s.Phases)
	c.Server.Command = slices.Clone(s.Server.Command)
	c.Client.Command = slices.Clone(s.Client.Command)
	c.Server.Env = maps.Clone(s.Server.Env)
	c.Client.Env = maps.Clone(s.Client.Env)
	c.Expect.ErrorsPresent = slices.Clone(s.Expect.ErrorsPresent)
	c.Expect.ErrorsAbsent = slices.Clone(s.Expect.ErrorsAbsent)
	c.Expect.Counters = maps.Clone(s.Expect.Counters)
	c.Expect.CountersMax = maps.Clone(s.Expect.CountersMax)
	c.Expect.KernelLog = slices.Clone(s.Expect.KernelLog)
	c.Overrides = slices.Clone(s.Overrides)
	return &c
}

// scaleLimits shrinks the limits of c's lesson by f in place, or says why
// the lab cannot shrink.
func (c *Scenario) scaleLimits(f float64) string {
	// The client port range, when the five-tuples are part of the lesson.
	lo, hi := kernelPortLow, kernelPortHigh
	if fl := strings.Fields(c.Sysctl.Client["net.ipv4.ip_local_port_range"]); len(fl) == 2 {
		lo, _ = strconv.Atoi(fl[0])
		hi, _ = strconv.Atoi(fl[1])
	}
	tp := c.Topology
	pairs := sat.Mul(int64(tp.ServerAddresses), int64(len(tp.ServerPorts)), int64(tp.ClientNamespaces), int64(tp.ClientAddresses), int64(tp.Families()))
	if width := int64(hi - lo + 1); width > 0 && 2*int64(c.Client.Connections) > sat.Mul(pairs, width) {
		// Above 1 the range grows with the load, but no port is past 65535.
		w := min(max(1, scaleInt(int(width), f)), 65535-lo+1)
		if c.Sysctl.Client == nil {
			c.Sysctl.Client = map[string]string{}
		}
		c.Sysctl.Client["net.ipv4.ip_local_port_range"] = fmt.Sprintf("%d %d", lo, lo+w-1)
	}
	for _, m := range []map[string]string{c.Sysctl.Server, c.Sysctl.Client} {
		if v, ok := m["net.ipv4.tcp_max_tw_buckets"]; ok {
			nv := scaleFields(v, f)
			if why := scaledValueProblem("net.ipv4.tcp_max_tw_buckets", v, nv, false); why != "" {
				return why
			}
			m["net.ipv4.tcp_max_tw_buckets"] = nv
		}
	}
	for _, name := range scaledHostKeys {
		v, ok := c.Host[name]
		if !ok {
			continue
		}
		nv := scaleFields(v, f)
		if why := scaledValueProblem(name, v, nv, true); why != "" {
			return why
		}
		c.Host[name] = nv
	}
	for name, v := range c.Host {
		k, _ := sysctlscope.Lookup(name)
		if n, ok := RelativeHostValue(v); ok && k.Relative {
			m := int64(scaleInt(int(min(n, math.MaxInt32)), f))
			if m < k.Margin {
				return fmt.Sprintf("%s %q would become \"+%d\", less than the margin %s the host keeps", name, v, m, units.Int(k.Margin))
			}
			c.Host[name] = "+" + strconv.FormatInt(m, 10)
		}
	}
	return ""
}

// scaledValueProblem checks a scaled sysctl value as the decoder checks a
// written one (normalizeSysctl: fields, the kernel's range, the floor,
// increasing fields), so a scaled lab never writes what the kernel
// refuses: gc_thresh3 or tcp_max_orphans of 2^30 at --scale 10 would be
// past the kernel's int range, and the write would fail after other
// [host] settings were made. It says why the lab must run whole, or "".
func scaledValueProblem(name, v, nv string, host bool) string {
	k, _ := sysctlscope.Lookup(name)
	if _, _, problem := normalizeSysctl(k, nv, host); problem == "" {
		return ""
	}
	for _, field := range strings.Fields(nv) {
		n, _ := strconv.ParseInt(field, 10, 64)
		if n > k.Max {
			return fmt.Sprintf("%s %q would become %q, above the kernel's maximum %s", name, v, nv, units.Int(k.Max))
		}
	}
	return fmt.Sprintf("%s %q would become %q, below the floor %s that keeps the host usable", name, v, nv, units.Int(k.Least()))
}

// scaleFields scales each whole number of a normalised sysctl value.
func scaleFields(v string, f float64) string {
	fl := strings.Fields(v)
	for i, x := range fl {
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			fl[i] = strconv.Itoa(scaleInt(int(min(n, math.MaxInt32*1024)), f))
		}
	}
	return strings.Join(fl, " ")
}

// scaleInt multiplies n by f, rounding, keeping 0 as 0 and anything else at least 1.
func scaleInt(n int, f float64) int {
	return scaleWith(n, f, math.Round)
}

// scaleDown multiplies n by f, rounding down, keeping 0 as 0 and anything else at least 1.
func scaleDown(n int, f float64) int {
	return scaleWith(n, f, func(x float64) float64 { return math.Floor(x + 1e-9) })
}

func scaleWith(n int, f float64, round func(float64) float64) int {
	if n == 0 {
		return 0
	}
	v := round(float64(n) * f)
	if v < 1 || v != v {
		return 1
	}
	if v > math.MaxInt32*1024 {
		return math.MaxInt32 * 1024
	}
	return int(v)
}
