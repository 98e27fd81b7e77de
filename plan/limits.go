package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/sat"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// expects reports whether the scenario expects errno to appear, or one of
// the nstat counters to move.
func expects(s *scenarios.Scenario, errno string, counters ...string) bool {
	if errno != "" && slices.Contains(s.Expect.ErrorsPresent, errno) {
		return true
	}
	for _, c := range counters {
		if s.Expect.Counters[c] > 0 {
			return true
		}
	}
	return false
}

// waive lets the scenario's expectation waive limit l only when the lab
// set the limit itself (own): a role's fd-limit, a [host] value it lowers
// for its lesson. A limit that protects the host (the memory floor, the
// fd budget the host's RLIMIT_NOFILE gives, fs.nr_open, the host's own
// fs.file-max and tcp_mem headroom) is never waived: expecting its errno
// would let a run take the host down with it. When the scenario expects
// it anyway and the limit is hit, Fix says why that does not help.
func waive(l *Limit, expected, own bool, guard string) {
	l.Expected = expected && own
	if expected && !own && !l.OK {
		l.Fix += fmt.Sprintf("; [expect] cannot waive it (%s)", guard)
	}
}

// hostSets reports whether the scenario writes key under [host].
func hostSets(s *scenarios.Scenario, key string) bool {
	_, ok := s.Host[key]
	return ok
}

// ownFDLimit reports whether a role's RLIMIT_NOFILE is the scenario's own
// fd-limit (at most what the host allows), not the host's budget.
func ownFDLimit(limit int, env Env) bool { return limit > 0 && int64(limit) <= env.FDHard }

func newLimit(name, unit, errno string, need, have int64) Limit {
	return Limit{Name: name, Unit: unit, Errno: errno, Need: need, Have: have, OK: need <= have}
}

func (p *Plan) limits(s *scenarios.Scenario, env Env) []Limit {
	tp := s.Topology
	conns := p.Connections
	var out []Limit

	l := newLimit("five-tuples", "conns", "EADDRNOTAVAIL", conns, p.FiveTuples)
	l.Expected = expects(s, "EADDRNOTAVAIL")
	l.Why = fmt.Sprintf("%s × %s × %s × %s reach each other over %s source ports (%d-%d) = %s five-tuples; you asked for %s",
		units.Plural(int64(tp.ServerAddresses), "server address", "server addresses"), units.Plural(int64(len(tp.ServerPorts)), "port", "ports"),
		units.Plural(int64(tp.ClientNamespaces), "client namespace", "client namespaces"), units.Plural(int64(tp.ClientAddresses), "client address", "client addresses each"),
		units.Int(p.PortsPerPair), p.PortLow, p.PortHigh, units.Int(p.FiveTuples), units.Int(conns))
	if !l.OK {
		l.Fix = p.tupleFix(s)
	} else {
		l.Fix = "more client addresses, server ports or a wider net.ipv4.ip_local_port_range raise it"
	}
	out = append(out, l)

	need := sat.Add(sat.CeilDiv(sat.Mul(conns, 100), int64(ServerShare*100)*int64(p.ServerWorkers)), FDReserve, p.Listeners)
	l = newLimit("fds per server worker", "fds", "EMFILE", need, p.ServerFDLimit)
	l.Why = fmt.Sprintf("%s connections over %d server workers, +5%% for uneven SO_REUSEPORT hashing, +%d reserved, +%d listeners; RLIMIT_NOFILE %s",
		units.Int(conns), p.ServerWorkers, FDReserve, p.Listeners, units.Int(p.ServerFDLimit))
	l.Fix = fmt.Sprintf("set server.workers = 0 (the fd budget needs %s), or at least that many, or fewer connections",
		units.Int(sat.CeilDiv(conns, max(1, int64(float64(p.ServerFDLimit-FDReserve-p.Listeners)*ServerShare)))))
	if p.PortPerCopy { // one copy per port: the clients spread evenly, and more copies need more ports
		l.Need = sat.Add(p.ConnsPerServerWorker, FDReserve, p.Listeners)
		l.OK = l.Need <= l.Have
		l.Why = fmt.Sprintf("%s connections over %d server copies, one port each ({%s}), +%d reserved, +%d listeners; RLIMIT_NOFILE %s",
			units.Int(conns), p.ServerWorkers, scenarios.WorkerPortPlaceholder, FDReserve, p.Listeners, units.Int(p.ServerFDLimit))
		l.Fix = fmt.Sprintf("list at least %s server ports (one copy each), or fewer connections",
			units.Int(sat.CeilDiv(conns, max(1, p.ServerFDLimit-FDReserve-p.Listeners))))
	}
	waive(&l, expects(s, "EMFILE"), ownFDLimit(s.Server.FDLimit, env), `errors-present = ["EMFILE"] waives only a lab's own server.fd-limit, not the fd budget the host gives`)
	out = append(out, l)

	need = sat.Add(p.ConnsPerClientWorker, FDReserve)
	l = newLimit("fds per client worker", "fds", "EMFILE", need, p.ClientFDLimit)
	l.Why = fmt.Sprintf("%s connections over %d client workers (%d per namespace), +%d reserved; RLIMIT_NOFILE %s",
		units.Int(conns), p.ClientWorkers, p.ClientWorkersPerNamespace, FDReserve, units.Int(p.ClientFDLimit))
	l.Fix = fmt.Sprintf("set client.workers = 0 (the fd budget needs %s), or at least that many, or fewer connections",
		units.Int(sat.CeilDiv(conns, max(1, p.ClientFDLimit-FDReserve))))
	waive(&l, expects(s, "EMFILE"), ownFDLimit(s.Client.FDLimit, env), `errors-present = ["EMFILE"] waives only a lab's own client.fd-limit, not the fd budget the host gives`)
	out = append(out, l)

	need = max(int64(s.Server.FDLimit), int64(s.Client.FDLimit), min(p.ServerFDLimit, p.ClientFDLimit))
	l = newLimit("fs.nr_open", "fds", "EMFILE", need, env.NrOpen)
	l.Why = "the largest RLIMIT_NOFILE a worker asks for, against the most any process may have"
	l.Fix = fmt.Sprintf(`lower fd-limit to at most %s, or raise "fs.nr_open" under [host]`, units.Int(env.NrOpen))
	waive(&l, expects(s, "EMFILE"), false, "a worker cannot even be given a limit above fs.nr_open: it fails to start, it does not see EMFILE")
	out = append(out, l)

	need = sat.Add(p.FileDescriptors, env.FileNr)
	l = newLimit("fs.file-max", "files", "ENFILE", need, env.FileMax)
	l.Why = fmt.Sprintf("2 × %s sockets (both ends run on this host) + %d per worker + %s already open",
		units.Int(conns), FilesPerWorker, units.Int(env.FileNr))
	l.Fix = fmt.Sprintf(`raise "fs.file-max" = %s under [host] (journaled and restored), or ask for at most %s connections`,
		units.Int(sat.Add(need, need/10)), units.Int(max(0, (env.FileMax-env.FileNr-(p.FileDescriptors-sat.Mul(2, conns)))/2)))
	waive(&l, expects(s, "ENFILE"), hostSets(s, "fs.file-max"),
		`errors-present = ["ENFILE"] waives only an fs.file-max the lab sets under [host] (relative "+N" keeps the host's margin); the host's own file-max protects every process on it`)
	out = append(out, l)

	out = append(out, memoryLimit(s, p, env))
	out = append(out, p.roleLimits(s, env)...)

	if p.BufferedBytes > 0 {
		l = newLimit("net.ipv4.tcp_mem", "bytes", "ECONNRESET", p.BufferedBytes, sat.Mul(env.TCPMem[2], env.PageSize))
		l.Why = fmt.Sprintf("%s connections × bytes sent sit in socket buffers, against tcp_mem max %s pages × %d B",
			units.Int(conns), units.Int(env.TCPMem[2]), env.PageSize)
		l.Fix = `send fewer bytes, shrink net.ipv4.tcp_rmem/tcp_wmem under [sysctl.*], or raise "net.ipv4.tcp_mem" under [host]`
		waive(&l, expects(s, "ECONNRESET", "TCPAbortOnMemory", "TCPMemoryPressures") || expects(s, "ENOMEM") || expects(s, "ENOBUFS"), hostSets(s, "net.ipv4.tcp_mem"),
			"only a tcp_mem the lab sets under [host] may be expected to run out: the host's own tcp_mem is every TCP socket's on the host")
		out = append(out, l)
	}
	if p.TimeWait > 0 {
		l = newLimit("TIME_WAIT per namespace", "sockets", "", p.TimeWait, p.TimeWaitBudget)
		l.Soft = true
		l.Expected = expects(s, "", "TCPTimeWaitOverflow")
		l.Why = "the side that closes first with FIN keeps its sockets in TIME_WAIT for 60 s, up to tcp_max_tw_buckets per namespace; the rest are destroyed at once (TCPTimeWaitOverflow)"
		l.Fix = `harmless: sockets over the cap skip TIME_WAIT; raise net.ipv4.tcp_max_tw_buckets under [sysctl.*], close with mode = "rst", or spread clients over more namespaces`
		out = append(out, l)
	}
	if p.Conntrack > 0 {
		l = newLimit("net.netfilter.nf_conntrack_max", "entries", "ETIMEDOUT", p.Conntrack, p.ConntrackMax)
		l.Expected = expects(s, "ETIMEDOUT")
		l.Why = "every connection through the server namespace's conntrack rule takes one entry"
		l.Fix = fmt.Sprintf(`raise "net.netfilter.nf_conntrack_max" = %s under [host], or set topology.conntrack = false`, units.Int(p.Conntrack+p.Conntrack/10))
		out = append(out, l)
	}
	return out
}

// memFloor is the MemAvailable a run must leave: MemFloorMax, or an
// eighth of MemTotal on a host with less than 16 GiB (a 2 GiB CI runner
// keeps 256 MiB), MemFloorMax when MemTotal is unknown.
func memFloor(env Env) int64 {
	if env.MemTotal <= 0 {
		return MemFloorMax
	}
	return min(MemFloorMax, env.MemTotal/8)
}

// memoryLimit is the "memory" limit: kernel and worker memory at the peak
// against MemAvailable less the safety floor (memFloor). When it fails,
// Why says how far below the floor MemAvailable would fall.
func memoryLimit(s *scenarios.Scenario, p *Plan, env Env) Limit {
	use := sat.Add(p.KernelBytes, p.UserBytes)
	floor := memFloor(env)
	l := newLimit("memory", "bytes", "ENOMEM", use, max(0, env.MemAvailable-floor))
	conns := p.Connections
	perConn := int64(2*KernelBytesPerSocket + 2*UserBytesPerSocket)
	if conns > 0 {
		perConn = max(perConn, use/conns)
	}
	l.Why = fmt.Sprintf("kernel %s (%s B per socket, 2 per connection, + %s buffered) + workers %s, against MemAvailable %s less a floor of %s kept free",
		size(p.KernelBytes), units.Int(KernelBytesPerSocket), size(p.BufferedBytes), size(p.UserBytes), size(env.MemAvailable), size(floor))
	if !l.OK {
		if left := env.MemAvailable - use; left < 0 {
			l.Why += fmt.Sprintf("; it would need %s more than MemAvailable, %s short of keeping the floor", size(-left), size(floor-left))
		} else {
			l.Why += fmt.Sprintf("; it would leave MemAvailable at %s, %s below the floor", size(left), size(floor-left))
		}
	}
	l.Fix = fmt.Sprintf("ask for at most %s connections, or send fewer bytes per connection, or free memory on the host", units.Int(l.Have/perConn))
	waive(&l, expects(s, "ENOMEM"), false, "the memory floor keeps the host out of reclaim and the OOM killer; no lab may expect to go below it")
	return l
}

// tupleFix names the cheapest ways to get enough five-tuples.
func (p *Plan) tupleFix(s *scenarios.Scenario) string {
	tp := s.Topology
	conns := p.Connections
	pairs := sat.CeilDiv(conns, max(p.PortsPerPair, 1))
	var fixes []string
	other := int64(tp.ServerAddresses) * int64(len(tp.ServerPorts)) * int64(tp.ClientNamespaces) * int64(tp.Families())
	if add := sat.CeilDiv(pairs, other) - int64(tp.ClientAddresses); add > 0 {
		fixes = append(fixes, fmt.Sprintf("add %s (topology.client-addresses = %d)", units.Plural(add, "client address", "client addresses"), int64(tp.ClientAddresses)+add))
	}
	other = int64(tp.ServerAddresses) * int64(tp.ClientNamespaces) * int64(tp.ClientAddresses) * int64(tp.Families())
	if add := sat.CeilDiv(pairs, other) - int64(len(tp.ServerPorts)); add > 0 && int64(len(tp.ServerPorts))+add <= 65535-scenarios.DefaultFirstPort+1 {
		fixes = append(fixes, fmt.Sprintf("add %s (topology.server-ports = %d)", units.Plural(add, "server port", "server ports"), int64(len(tp.ServerPorts))+add))
	}
	if per := sat.CeilDiv(conns, max(p.Pairs, 1)); per <= maxPortsPerPair {
		fixes = append(fixes, fmt.Sprintf(`widen the range to %s ports ("net.ipv4.ip_local_port_range" = "%d 65535" under [sysctl.client])`, units.Int(per), 65535-per+1))
	}
	fixes = append(fixes, `expect it: errors-present = ["EADDRNOTAVAIL"] under [expect]`)
	return strings.Join(fixes, ", or ")
}

// size formats a byte count the project's one way (units.Bytes).
func size(b int64) string { return units.Bytes(float64(b)) }

// Amount formats n in the limit's unit: bytes as units.Bytes gives them,
// else the count and the unit ("20,000 fds").
func (l Limit) Amount(n int64) string {
	if l.Unit == "bytes" {
		return size(n)
	}
	return units.Int(n) + " " + l.Unit
}

// pick sets First and returns the error of an impossible plan.
func (p *Plan) pick(s *scenarios.Scenario) error {
	var failing, expected, tightest *Limit
	for i := range p.Limits {
		l := &p.Limits[i]
		switch {
		case !l.OK && !l.Soft && !l.Expected:
			if failing == nil {
				failing = l
			}
		case !l.OK:
			if expected == nil {
				expected = l
			}
		}
		if tightest == nil || l.Headroom() < tightest.Headroom() {
			tightest = l
		}
	}
	switch {
	case failing != nil:
		p.First = failing
	case expected != nil:
		p.First = expected
	default:
		p.First = tightest
	}
	if failing == nil {
		return nil
	}
	return s.ErrorAt("client.connections", failing.Fix, "impossible plan: %s: need %s, have %s (%s)",
		failing.Name, failing.Amount(failing.Need), failing.Amount(failing.Have), failing.Why)
}
