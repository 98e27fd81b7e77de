package scenarios

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Target is a server that clients running in place (c1m-testbed
// clients, a Kubernetes pod) load: its addresses and ports. It comes from
// the command line only, never from a scenario file.
type Target struct {
	Addrs []netip.Addr // the server's addresses: IPv4, or IPv6 in BenchmarkingIPv6
	Ports []int        // its ports
}

// BenchmarkingIPv6 is the IPv6 benchmarking range (RFC 5180), the only
// IPv6 prefix a target may name: an IPv6 target outside it (link-local,
// loopback, ULA, documentation, global, v4-mapped) is refused.
var BenchmarkingIPv6 = netip.MustParsePrefix("2001:2::/48")

// targetSyntax is how a target is written, for every refusal.
const targetSyntax = "write ADDR[,ADDR...]:PORT[,PORT|LOW-HIGH...], IPv6 in brackets, e.g. 198.18.0.1:8000-8019 or [2001:2::1],[2001:2::2]:8000"

// ParseTarget reads "ADDR[,ADDR...]:PORTS", PORTS a comma list of ports
// and LOW-HIGH ranges. An ADDR is an IPv4 address or an IPv6 address of
// BenchmarkingIPv6 in brackets, and the two may be mixed:
// "198.18.0.1:8000", "10.0.0.5,10.0.0.6:8000-8019", "[2001:2::1]:8000",
// "198.18.0.1,[2001:2::1]:8000,8001". An IPv6 address without brackets
// is refused with the bracketed form to write.
func ParseTarget(s string) (Target, error) {
	bad := func(format string, args ...any) (Target, error) {
		return Target{}, fmt.Errorf("%w: --target %q: %s (%s)", ErrInvalid, s, fmt.Sprintf(format, args...), targetSyntax)
	}
	in := strings.TrimSpace(s)
	colons, err := colonsOutsideBrackets(in)
	if err != nil {
		return bad("%v", err)
	}
	if len(colons) > 1 {
		return bad("IPv6 addresses go in brackets: write %s", bracketedHint(in))
	}
	if len(colons) == 0 {
		return bad("no port")
	}
	addrs, ports := in[:colons[0]], in[colons[0]+1:]
	if addrs == "" || ports == "" {
		return bad("no port")
	}
	var t Target
	for _, a := range strings.Split(addrs, ",") {
		ip, why := parseTargetAddr(strings.TrimSpace(a))
		if why != "" {
			return bad("%s", why)
		}
		if slices.Contains(t.Addrs, ip) {
			return bad("%s is named twice", ip)
		}
		t.Addrs = append(t.Addrs, ip)
	}
	for _, p := range strings.Split(ports, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(p), "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
			return bad("%q is not a port or a LOW-HIGH range of ports 1-65535", p)
		}
		for q := a; q <= b; q++ {
			if slices.Contains(t.Ports, q) {
				return bad("port %d is named twice", q)
			}
			t.Ports = append(t.Ports, q)
		}
		if len(t.Ports) > 4096 {
			return bad("more than 4096 ports")
		}
	}
	return t, nil
}

// colonsOutsideBrackets returns the offsets of the colons of s that are
// not inside [...], and refuses brackets that do not pair up.
func colonsOutsideBrackets(s string) ([]int, error) {
	var out []int
	open := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			if open {
				return nil, fmt.Errorf("a '[' inside brackets")
			}
			open = true
		case ']':
			if !open {
				return nil, fmt.Errorf("a ']' without its '['")
			}
			open = false
		case ':':
			if !open {
				out = append(out, i)
			}
		}
	}
	if open {
		return nil, fmt.Errorf("a '[' without its ']'")
	}
	return out, nil
}

// bracketedHint rewrites a target whose IPv6 addresses lack brackets as
// it should be written: the addresses before the last colon in brackets
// and the ports after it; when the whole of s is also addresses (the last
// group could be a port or part of the address), that reading is offered
// too, with ":PORT".
func bracketedHint(s string) string {
	whole, isAddrs := bracketAll(s)
	if i := strings.LastIndexByte(s, ':'); i > 0 && isPortList(s[i+1:]) {
		if hint, ok := bracketAll(s[:i]); ok {
			if isAddrs {
				return fmt.Sprintf("%s:%s (or %s:PORT if the last group belongs to the address)", hint, s[i+1:], whole)
			}
			return hint + ":" + s[i+1:]
		}
	}
	if isAddrs {
		return whole + ":PORT"
	}
	return "[2001:2::1]:8000"
}

// isPortList reports whether s has the shape of PORTS: digits, commas and
// dashes, not empty.
func isPortList(s string) bool {
	return s != "" && strings.Trim(s, "0123456789,-") == ""
}

// bracketAll puts each IPv6 address of a comma list in brackets; ok is
// false when an element is not an address.
func bracketAll(list string) (string, bool) {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if inner, ok := strings.CutPrefix(p, "["); ok {
			p = strings.TrimSuffix(inner, "]")
		}
		ip, err := netip.ParseAddr(p)
		if err != nil {
			return "", false
		}
		parts[i] = hostPort(ip)
	}
	return strings.Join(parts, ","), true
}

// parseTargetAddr reads one address of a target: IPv4 as it is, IPv6 in
// brackets. why says what is wrong with it ("" when nothing is).
func parseTargetAddr(a string) (netip.Addr, string) {
	inner, bracketed := strings.CutPrefix(a, "[")
	if bracketed {
		var ok bool
		if inner, ok = strings.CutSuffix(inner, "]"); !ok {
			return netip.Addr{}, fmt.Sprintf("%q: a bracketed address ends with ']'", a)
		}
	}
	ip, err := netip.ParseAddr(inner)
	switch {
	case err != nil || strings.ContainsAny(inner, "[]"):
		return netip.Addr{}, fmt.Sprintf("%q is not an IPv4 address or a bracketed IPv6 address", a)
	case ip.Is4() && bracketed:
		return netip.Addr{}, fmt.Sprintf("%q: IPv4 addresses are written without brackets (%s)", a, ip)
	case ip.Is4() && (ip.IsUnspecified() || ip.IsMulticast() || ip.IsLoopback()):
		return netip.Addr{}, fmt.Sprintf("%s cannot be a server address", ip)
	case ip.Is4():
		return ip, ""
	case ip.Is4In6():
		return netip.Addr{}, fmt.Sprintf("%s is an IPv4-mapped IPv6 address: write the IPv4 address as it is (%s)", ip, ip.Unmap())
	case !BenchmarkingIPv6.Contains(ip):
		return netip.Addr{}, fmt.Sprintf("%s is outside %s, the IPv6 benchmarking range (RFC 5180): an IPv6 target must be in it", ip, BenchmarkingIPv6)
	}
	return ip, ""
}

// hostPort writes an address as the host of a host:port: IPv6 in
// brackets.
func hostPort(a netip.Addr) string {
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

// String writes the target as ParseTarget reads it: IPv6 addresses in
// brackets, ports as ranges.
func (t Target) String() string {
	as := make([]string, len(t.Addrs))
	for i, a := range t.Addrs {
		as[i] = hostPort(a)
	}
	var ps []string
	for i := 0; i < len(t.Ports); {
		j := i
		for j+1 < len(t.Ports) && t.Ports[j+1] == t.Ports[j]+1 {
			j++
		}
		if j > i {
			ps = append(ps, fmt.Sprintf("%d-%d", t.Ports[i], t.Ports[j]))
		} else {
			ps = append(ps, strconv.Itoa(t.Ports[i]))
		}
		i = j + 1
	}
	return strings.Join(as, ",") + ":" + strings.Join(ps, ",")
}

// Outside lists the target's addresses of subnet's family that are
// outside subnet (the IPv4 benchmarking range by default): a real server
// on a real network, which the user must have named on the command line,
// and which is printed before the first connect. Addresses of the other
// family are not listed: an IPv6 target is always in BenchmarkingIPv6
// (ParseTarget refuses the rest).
func (t Target) Outside(subnet netip.Prefix) []netip.Addr {
	var out []netip.Addr
	for _, a := range t.Addrs {
		if a.Is4() == subnet.Addr().Is4() && !subnet.Contains(a) {
			out = append(out, a)
		}
	}
	return out
}

// InPlace describes where clients run in place: the number of local
// source addresses and the namespace's ephemeral port range, as found.
type InPlace struct {
	Target   Target // the server
	Sources  int    // local addresses to connect from
	PortLow  int    // the namespace's ip_local_port_range (or the shard's slice of it)
	PortHigh int
}

// ForClients returns a copy of the scenario for its built-in clients run
// in place against a target: one client namespace (this one) with
// p.Sources addresses, the target's addresses and ports as the server's,
// and the namespace's port range as the client range. Nothing is built
// and no setting is written in place, so [host], [sysctl.*] and link
// shaping are dropped; the notes say which, and how to get them (a pod's
// sysctls). A scenario whose phases need the server side (a server
// close, a server send, a wait on server-established) or that runs its
// own client program is refused: the target is not ours to command.
func (sc *Scenario) ForClients(p InPlace) (*Scenario, []string, error) {
	if len(sc.Client.Command) > 0 {
		return nil, nil, fmt.Errorf("%w: scenario %s runs its own client program ([client] command): clients in place runs the built-in clients only", ErrInvalid, sc.Name)
	}
	if len(p.Target.Addrs) == 0 || len(p.Target.Ports) == 0 {
		return nil, nil, fmt.Errorf("%w: no target: name the server with --target ADDR:PORTS", ErrInvalid)
	}
	if p.Sources < 1 {
		return nil, nil, fmt.Errorf("%w: no local IPv4 address to connect from: give one with --source ADDR", ErrInvalid)
	}
	for _, ph := range sc.Phases {
		switch {
		case ph.Kind == PhaseClose && ph.Side == "server", ph.Kind == PhaseSend && ph.From == "server":
			return nil, nil, fmt.Errorf("%w: phase %s needs the server side, which a target does not take commands from: run it with 'c1m-testbed run', or close and send from the clients", ErrInvalid, ph.Name)
		case ph.Kind == PhaseWait && ph.Until.Metric == "server-established":
			return nil, nil, fmt.Errorf("%w: phase %s waits on server-established, which clients in place cannot see: wait on established", ErrInvalid, ph.Name)
		}
	}
	c := sc.clone()
	var notes []string
	if len(sc.Host) > 0 {
		notes = append(notes, fmt.Sprintf("[host] settings not applied in place (%s): set them on the node if the clients need them", strings.Join(sortedMapKeys(sc.Host), ", ")))
	}
	c.Host = nil
	want := sc.Sysctl.Client["net.ipv4.ip_local_port_range"]
	got := fmt.Sprintf("%d %d", p.PortLow, p.PortHigh)
	if want != "" && strings.Join(strings.Fields(want), " ") != got {
		notes = append(notes, fmt.Sprintf("the scenario asks ip_local_port_range %q, this namespace has %q: the clients use what it has (a pod sets it with securityContext.sysctls)", want, got))
	}
	var other []string
	for k := range sc.Sysctl.Client {
		if k != "net.ipv4.ip_local_port_range" {
			other = append(other, k)
		}
	}
	for k := range sc.Sysctl.Server {
		other = append(other, "server "+k)
	}
	if len(other) > 0 {
		slices.Sort(other)
		notes = append(notes, "[sysctl] settings not applied in place: "+strings.Join(other, ", "))
	}
	c.Sysctl = Sysctls{Client: map[string]string{"net.ipv4.ip_local_port_range": got}}
	if sc.Topology.Shaped() {
		notes = append(notes, "[topology] link shaping not applied in place: the network between clients and target is what it is")
	}
	fam, srv, src := p.Target.family(), len(p.Target.Addrs), p.Sources
	if fam == FamilyDual { // the planner counts each address once per family
		srv, src = (srv+1)/2, (src+1)/2
	}
	c.Topology = Topology{ClientNamespaces: 1, ClientAddresses: src, ServerAddresses: srv,
		ServerPorts: slices.Clone(p.Target.Ports), Subnet: sc.Topology.Subnet, Routing: sc.Topology.Routing,
		Family: fam, Subnet6: sc.Topology.Subnet6, ClientSources: SourcesAddresses}
	c.Server.Command, c.Server.Env = nil, nil
	return c, notes, nil
}

// sortedMapKeys returns m's keys in order.
func sortedMapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// family is the address family of the target's addresses: FamilyDual
// when it has both.
func (t Target) family() string {
	var v4, v6 bool
	for _, a := range t.Addrs {
		v4, v6 = v4 || a.Is4(), v6 || a.Is6()
	}
	switch {
	case v4 && v6:
		return FamilyDual
	case v6:
		return FamilyIPv6
	}
	return FamilyIPv4
}
