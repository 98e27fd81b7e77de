package scenarios

import (
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// sameSetting lists the [host] keys that are two names of one kernel
// setting, the preferred name first: a scenario may use one of them.
var sameSetting = [][2]string{
	{"net.netfilter.nf_conntrack_max", "net.nf_conntrack_max"},
}

// validate checks what involves more than one key.
func (d *decoder) validate(s *Scenario) {
	if s.Name != "" && !nameRE.MatchString(s.Name) {
		d.failVal("name", "use letters, digits, '.', '_' and '-', at most 64 bytes", "name %q is not a valid scenario name", s.Name)
	}
	for _, names := range sameSetting {
		if _, a := s.Host[names[0]]; a {
			if _, b := s.Host[names[1]]; b {
				d.failKey("host."+names[1], fmt.Sprintf("keep %q only: both name the same kernel setting, and the plan would check one value while the run writes the other last", names[0]),
					"[host] sets %s and %s: two spellings of one setting", names[0], names[1])
			}
		}
	}
	if len(s.Phases) > MaxPhases {
		d.failKey(fmt.Sprintf("phase[%d]", MaxPhases), fmt.Sprintf("keep at most %d phases (split the experiment into runs)", MaxPhases),
			"%d phases: more than %d", len(s.Phases), MaxPhases)
	}
	tp := s.Topology
	d.checkFamily(s)
	if tp.Family != FamilyIPv6 {
		d.checkLayout(tp)
	}
	d.checkExternal(s)
	d.validateProtocol(s)
	d.validateTraffic(s)
	d.validateLimits(s)
	seen := map[string]int{}
	for i, p := range s.Phases {
		if j, dup := seen[p.Name]; dup {
			d.failVal(fmt.Sprintf("phase[%d].name", i), "give each phase its own name (results and progress are keyed by it)",
				"phase %d: name %q is already the name of phase %d", i+1, p.Name, j+1)
		}
		seen[p.Name] = i
	}
	conns := int64(s.Client.Connections)
	for i, p := range s.Phases {
		at := fmt.Sprintf("phase[%d]", i)
		if p.Kind == PhaseConnect && int64(p.Target) > conns {
			d.failVal(at+".target", fmt.Sprintf("lower target to at most client.connections (%s), or raise client.connections", units.Int(conns)),
				"phase %d: target %s is more than client.connections %s", i+1, units.Int(int64(p.Target)), units.Int(conns))
		}
		if c := p.Until; p.Kind == PhaseWait && c.IsSet() {
			if (c.Metric == "established" || c.Metric == "server-established") && c.Op == ">=" && c.Value > conns {
				d.failVal(at+".until", fmt.Sprintf("wait for at most client.connections (%s)", units.Int(conns)),
					"phase %d: %q can never hold with %s connections", i+1, c.String(), units.Int(conns))
			}
		}
	}
	e := s.Expect
	if e.MaxEstablished > 0 && e.MinEstablished > e.MaxEstablished {
		d.failVal("expect.min-established", "make min-established at most max-established",
			"expect: min-established %s is more than max-established %s", units.Int(int64(e.MinEstablished)), units.Int(int64(e.MaxEstablished)))
	}
	if int64(e.MinEstablished) > conns {
		d.failVal("expect.min-established", fmt.Sprintf("expect at most client.connections (%s)", units.Int(conns)),
			"expect: min-established %s is more than client.connections %s", units.Int(int64(e.MinEstablished)), units.Int(conns))
	}
	for i, n := range e.ErrorsPresent {
		if slices.Contains(e.ErrorsAbsent, n) || slices.Contains(e.ErrorsAbsent, "*") {
			d.failVal(fmt.Sprintf("expect.errors-present[%d]", i), "remove it from one of the two lists",
				"expect: %s must both appear (errors-present) and not appear (errors-absent)", n)
		}
	}
	if e.CloseWithin > 0 && !hasPhase(s, PhaseClose) {
		d.failVal("expect.close-within", `add a [[phase]] kind = "close", or remove close-within`, "expect: close-within is set but no phase closes connections")
	}
	if w := s.Client.Workers; w > 0 && w < tp.ClientNamespaces {
		d.failVal("client.workers", fmt.Sprintf("use 0 (auto) or at least %d", tp.ClientNamespaces),
			"client.workers %d is fewer than topology.client-namespaces %d: each client namespace needs a worker", w, tp.ClientNamespaces)
	}
}

func hasPhase(s *Scenario, kind string) bool {
	for _, p := range s.Phases {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// checkLayout lays the topology's addresses out with the function the
// topology builder uses (internal/layout), so a topology that validates
// fits when it is built.
func (d *decoder) checkLayout(tp Topology) {
	_, err := layout.Compute(layout.Spec{ClientNamespaces: tp.ClientNamespaces, ClientAddresses: tp.ClientAddresses,
		ServerAddresses: tp.ServerAddresses, Subnet: tp.Subnet})
	var fe *layout.FitError
	if !errors.As(err, &fe) {
		return
	}
	at := "topology.client-addresses"
	for _, k := range []string{"topology.client-addresses", "topology.client-namespaces", "topology.server-addresses", "topology.subnet"} {
		if d.pos.written(k) {
			at = k
			break
		}
	}
	fix := "use a larger subnet (198.18.0.0/15 holds 131,072 addresses) or fewer addresses"
	if most := layout.MaxClientAddresses(tp.Subnet, tp.ClientNamespaces, tp.ServerAddresses); most > 0 {
		fix = fmt.Sprintf("use at most %s client addresses per namespace here (each namespace's block is rounded up to a power of two), fewer client namespaces or a larger subnet", units.Int(int64(most)))
	}
	d.failVal(at, fix, "topology: %s holds %s addresses; %s × %s (each block rounded up to %s) and %s need %s",
		tp.Subnet, units.Int(int64(fe.Size)), units.Plural(int64(tp.ClientNamespaces), "client namespace", "client namespaces"),
		units.Plural(int64(tp.ClientAddresses), "address", "addresses"), units.Int(int64(fe.ClientBlock)),
		units.Plural(int64(tp.ServerAddresses), "server address", "server addresses"), units.Int(int64(fe.Need)))
}
