package measure

import (
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// SetTraffic says whether a traffic phase runs: while it does, each
// sample's message rates are written even when they are 0.
func (s *Sampler) SetTraffic(on bool) { s.trafficOn.Store(on) }

// TrafficOn reports whether SetTraffic last said a traffic phase runs.
func (s *Sampler) TrafficOn() bool { return s.trafficOn.Load() }

// SlabAtStart is the kernel's slab, in bytes, when the sampler started.
func (s *Sampler) SlabAtStart() int64 { return s.slabBase }

// KernelMessages returns the kernel log's counts by pattern and the kept
// lines (nil when /dev/kmsg could not be read).
func (s *Sampler) KernelMessages() (map[string]int64, []string) { return s.kmsg.Result() }

// Roles returns each role's record for run.json's roles[].
func (s *Sampler) Roles() []results.RoleUsage { return s.meter.Usage() }

// External reads the kernel's TCP counters of the sampler's namespaces as
// the base of the roles run by external programs (extServer, extClient),
// for the fleet to overlay on their stats; their processes are the ones
// the sampler's role meter finds.
func (s *Sampler) External(extServer, extClient bool) *External {
	return newExternal(s.w, s.meter, s.where, extServer, extClient)
}

// SocketsInUse counts the TCP sockets hashed in the run's namespaces now
// (sockstat "inuse" plus sockstat6's "TCP6: inuse", so IPv4 and IPv6:
// listeners, connections, and closing sockets that still wait for their
// FIN handshake; not TIME_WAIT). Unlike orphans it is
// counted per namespace, so other programs on the host do not show. The
// server's namespace counts only when the server is here.
func (s *Sampler) SocketsInUse() int64 {
	var n int64
	for _, ns := range s.where.namespaces() {
		n += s.sockstat(ns).Inuse
	}
	return n
}

// Counters sums every TcpExt counter over the run's namespaces, as a
// delta from the sampler's start for the counters it samples.
func (s *Sampler) Counters() map[string]int64 {
	m := map[string]int64{}
	for _, ns := range s.where.namespaces() {
		for k, v := range procfs.ParseNetstat(s.readInNS(ns, "netstat")) {
			if name, ok := strings.CutPrefix(k, "TcpExt."); ok {
				m[name] += v
			}
		}
	}
	for k, v := range s.nstatBase {
		m[k] -= v
	}
	return m
}
