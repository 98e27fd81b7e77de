package measure

import (
	"fmt"
	"sync"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// tcpEvery bounds how often external roles' kernel TCP counters are read:
// counts older than this are read again when asked for.
const tcpEvery = 200 * time.Millisecond

// External measures the roles that run external programs from the
// kernel's side: established connections from each namespace's
// Tcp: CurrEstab, connects and accepts from ActiveOpens and PassiveOpens
// (since the programs started), all cheap. Memory and open files are the
// role meter's latest sums over every process of the role.
type External struct {
	w        Workers
	meter    *RoleMeter
	ns       map[string][]Namespace // role → its namespaces
	external map[string]bool        // role → runs external programs

	mu   sync.Mutex
	at   time.Time
	tcp  map[string]procfs.SnmpTCP // role → summed over its namespaces
	base map[string]procfs.SnmpTCP // role → at the start
}

// newExternal reads the kernel's TCP counters of the roles in where as
// their base; extServer and extClient say which roles run external
// programs (only those are overlaid).
func newExternal(w Workers, meter *RoleMeter, where Where, extServer, extClient bool) *External {
	o := &External{w: w, meter: meter, ns: map[string][]Namespace{RoleClient: where.Clients},
		external: map[string]bool{RoleServer: extServer, RoleClient: extClient}}
	if where.HasServer {
		o.ns[RoleServer] = []Namespace{where.Server}
	}
	o.base = map[string]procfs.SnmpTCP{RoleServer: o.readTCP(RoleServer), RoleClient: o.readTCP(RoleClient)}
	return o
}

// readTCP sums /proc/net/snmp's Tcp counters over a role's namespaces.
func (o *External) readTCP(role string) procfs.SnmpTCP {
	var t procfs.SnmpTCP
	for _, ns := range o.ns[role] {
		k := procfs.ParseSnmpTCP(ReadNetFile(o.w, ns, "snmp"))
		t.CurrEstab += k.CurrEstab
		t.ActiveOpens += k.ActiveOpens
		t.PassiveOpens += k.PassiveOpens
	}
	return t
}

// refresh reads the counters again when the last reading is stale.
func (o *External) refresh() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if time.Since(o.at) < tcpEvery {
		return
	}
	o.tcp = map[string]procfs.SnmpTCP{}
	for role, ext := range o.external {
		if ext {
			o.tcp[role] = o.readTCP(role)
		}
	}
	o.at = time.Now()
}

// Overlay replaces what the kernel knows better in a role's summed stats
// (nothing for a role of built-in workers, or a nil External).
func (o *External) Overlay(role string, s *nodes.Stats) {
	if o == nil || !o.external[role] {
		return
	}
	o.refresh()
	o.mu.Lock()
	t, b := o.tcp[role], o.base[role]
	o.mu.Unlock()
	s.Established = t.CurrEstab
	if role == RoleClient {
		s.Connected = t.ActiveOpens - b.ActiveOpens
	} else {
		s.Accepted = t.PassiveOpens - b.PassiveOpens
	}
	n, _ := o.meter.latest(role)
	s.RSS, s.FDs = n.RSS, n.FDs
}

// ListeningPorts returns the TCP ports something listens on in namespace
// ns, over both families: /proc/net/tcp and /proc/net/tcp6 (a program
// bound to [::] or to an IPv6 address shows only in tcp6). w may be nil.
func ListeningPorts(w Workers, ns Namespace) map[int]bool {
	ports := procfs.ListeningPorts(ReadNetFile(w, ns, "tcp"))
	for p := range procfs.ListeningPorts(ReadNetFile(w, ns, "tcp6")) {
		ports[p] = true
	}
	return ports
}

// ReadNetFile reads /proc/net/NAME as seen from namespace ns: through a
// live worker's /proc/<pid>/net when one lives there, else from a thread
// switched into ns. Here reads the measuring process's own. w may be nil.
func ReadNetFile(w Workers, ns Namespace, name string) []byte {
	if ns == Here {
		return procfs.ReadFile("/proc/self/net/" + name)
	}
	if w != nil {
		for _, pid := range w.LivePIDsIn(ns) {
			if data := procfs.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, name)); data != nil {
				return data
			}
		}
	}
	var data []byte
	_ = topology.Do(string(ns), func() error {
		data = procfs.ReadFile("/proc/thread-self/net/" + name)
		return nil
	})
	return data
}
