package scenarios

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Target is a server that clients running in place (c1m-testbed
// clients, a Kubernetes pod) load: its IPv4 addresses and ports. It
// comes from the command line only, never from a scenario file.
type Target struct {
	Addrs []netip.Addr // the server's IPv4 addresses
	Ports []int        // its ports
}

// ParseTarget reads "ADDR[,ADDR...]:PORTS", PORTS a comma list of ports
// and LOW-HIGH ranges: "198.18.0.1:8000", "10.0.0.5,10.0.0.6:8000-8019".
func ParseTarget(s string) (Target, error) {
	bad := func(format string, args ...any) (Target, error) {
		return Target{}, fmt.Errorf("%w: --target %q: %s (write ADDR[,ADDR...]:PORT[,PORT|LOW-HIGH...], e.g. 198.18.0.1:8000-8019)", ErrInvalid, s, fmt.Sprintf(format, args...))
	}
	addrs, ports, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || addrs == "" || ports == "" {
		return bad("no port")
	}
	var t Target
	for _, a := range strings.Split(addrs, ",") {
		ip, err := netip.ParseAddr(strings.TrimSpace(a))
		if err != nil || !ip.Is4() {
			return bad("%q is not an IPv4 address", a)
		}
		if ip.IsUnspecified() || ip.IsMulticast() || ip.IsLoopback() {
			return bad("%s cannot be a server address", ip)
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

// String writes the target as ParseTarget reads it, ports as ranges.
func (t Target) String() string {
	as := make([]string, len(t.Addrs))
	for i, a := range t.Addrs {
		as[i] = a.String()
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

// Outside lists the target's addresses outside subnet (the benchmarking
// range by default): a real server on a real network, which the user
// must have named on the command line, and which is printed before the
// first connect.
func (t Target) Outside(subnet netip.Prefix) []netip.Addr {
	var out []netip.Addr
	for _, a := range t.Addrs {
		if !subnet.Contains(a) {
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
	c.Topology = Topology{ClientNamespaces: 1, ClientAddresses: p.Sources, ServerAddresses: len(p.Target.Addrs),
		ServerPorts: slices.Clone(p.Target.Ports), Subnet: sc.Topology.Subnet, Routing: sc.Topology.Routing}
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
