package plan

import (
	"fmt"
	"slices"

	"github.com/c1m-testbed/c1m-testbed/internal/sat"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// ChargedBytesPerSocket is what one idle TCP socket costs a role's memory
// cgroup: its slab objects (socket, inode, dentry, epoll entry), which
// the kernel charges to the cgroup of the process that made them. Socket
// buffers are charged too on cgroup v2 (memory.stat sock) and counted
// apart on v1 (memory.kmem.tcp); BufferedBytes covers them.
const ChargedBytesPerSocket = KernelBytesPerSocket

// roleMemory is what a role's cgroup holds at the peak: its workers'
// runtime and connection tables, its sockets' objects and (for the
// server) the static pool. Socket buffers are left out: cgroup v1 counts
// them apart (memory.kmem.tcp), and on v2, where they count, which end
// holds them depends on who reads; roleLimits says so when a phase
// buffers data.
func (p *Plan) roleMemory(role string, s *scenarios.Scenario) (need, perConn, fixed int64) {
	workers := int64(p.ClientWorkers)
	if role == "server" {
		workers = int64(p.ServerWorkers)
	}
	perConn = UserBytesPerSocket + ChargedBytesPerSocket
	if role == "server" && s.Server.ConnBuffer > 0 {
		perConn = sat.Add(perConn, sat.Mul(2, s.Server.ConnBuffer))
	}
	fixed = sat.Mul(workers, UserBytesPerWorker)
	return sat.Add(fixed, sat.Mul(p.Connections, perConn)), perConn, fixed
}

// roleLimits checks each role's memory-limit against what the role will
// hold, and its cpus against the host's CPUs.
func (p *Plan) roleLimits(s *scenarios.Scenario, env Env) []Limit {
	var out []Limit
	for _, r := range []struct {
		role string
		lim  scenarios.RoleLimits
		ext  bool
	}{{"server", s.Server.RoleLimits, len(s.Server.Command) > 0}, {"client", s.Client.RoleLimits, len(s.Client.Command) > 0}} {
		if m := r.lim.MemoryLimit; m > 0 {
			need, perConn, fixed := p.roleMemory(r.role, s)
			l := newLimit(r.role+" memory-limit", "bytes", "", need, m)
			l.Expected = s.Expect.MinOOMKills > 0
			fits := max(0, (m-fixed)/max(perConn, 1))
			l.Why = fmt.Sprintf("the %s's cgroup holds %s B per connection (sockets %s B, connection table %s B%s) + %s for its workers; the kernel's OOM killer ends a %s process at about %s connections",
				r.role, units.Int(perConn), units.Int(ChargedBytesPerSocket), units.Int(UserBytesPerSocket), poolNote(r.role, s), size(fixed), r.role, units.Int(fits))
			if p.BufferedBytes > 0 {
				l.Why += fmt.Sprintf("; not counted: up to %s of socket buffers the phases leave, which cgroup v2 charges to the role whose sockets hold them (v1 counts them apart)", size(p.BufferedBytes))
			}
			if r.ext {
				l.Soft = true
				l.Why += " (an external program's own memory per connection is its own: this counts only the sockets)"
			}
			l.Fix = fmt.Sprintf("raise %s.memory-limit to %s, or ask for at most %s connections, or expect the kill: min-oom-kills = 1 under [expect]",
				r.role, size(sat.Add(need, need/10)), units.Int(fits))
			out = append(out, l)
		}
		if r.lim.CPUs != "" {
			cpus, _ := scenarios.ParseCPUSet(r.lim.CPUs)
			top := int64(slices.Max(cpus)) + 1
			l := newLimit(r.role+" cpus", "CPUs", "", top, int64(env.CPUs))
			l.Why = fmt.Sprintf("%s.cpus = %q names CPU %d; the host has CPUs 0 to %d", r.role, r.lim.CPUs, top-1, env.CPUs-1)
			l.Fix = fmt.Sprintf("name CPUs from 0 to %d", env.CPUs-1)
			out = append(out, l)
		}
	}
	return out
}

// poolNote names the static pool in a server's per-connection cost.
func poolNote(role string, s *scenarios.Scenario) string {
	if role != "server" || s.Server.ConnBuffer == 0 {
		return ""
	}
	return fmt.Sprintf(", pool 2 × %s", size(s.Server.ConnBuffer))
}
