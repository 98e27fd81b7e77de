package testbed

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

// outside measures the roles that run external programs from the
// kernel's side: established connections from each namespace's
// Tcp: CurrEstab, connects and accepts from ActiveOpens and PassiveOpens
// (since the programs started), all cheap. Memory and open files are the
// role meter's latest sums over every process of the role.
type outside struct {
	f        *fleet
	meter    *roleMeter
	ns       map[string][]string // role → its namespaces
	external map[string]bool     // role → runs external programs

	mu   sync.Mutex
	at   time.Time
	tcp  map[string]procfs.SnmpTCP // role → summed over its namespaces
	base map[string]procfs.SnmpTCP // role → at the start
}

func newOutside(f *fleet, meter *roleMeter, serverNS string, clientNS []string, extServer, extClient bool) *outside {
	o := &outside{f: f, meter: meter, ns: map[string][]string{roleServer: {serverNS}, roleClient: clientNS},
		external: map[string]bool{roleServer: extServer, roleClient: extClient}}
	o.base = map[string]procfs.SnmpTCP{roleServer: o.readTCP(roleServer), roleClient: o.readTCP(roleClient)}
	return o
}

// readTCP sums /proc/net/snmp's Tcp counters over a role's namespaces.
func (o *outside) readTCP(role string) procfs.SnmpTCP {
	var t procfs.SnmpTCP
	for _, ns := range o.ns[role] {
		k := procfs.ParseSnmpTCP(readNSFile(o.f, ns, "snmp"))
		t.CurrEstab += k.CurrEstab
		t.ActiveOpens += k.ActiveOpens
		t.PassiveOpens += k.PassiveOpens
	}
	return t
}

// refresh reads the counters again when the last reading is stale.
func (o *outside) refresh() {
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

// overlay replaces what the kernel knows better in a role's summed stats.
func (o *outside) overlay(role string, s *nodes.Stats) {
	if o == nil || !o.external[role] {
		return
	}
	o.refresh()
	o.mu.Lock()
	t, b := o.tcp[role], o.base[role]
	o.mu.Unlock()
	s.Established = t.CurrEstab
	if role == roleClient {
		s.Connected = t.ActiveOpens - b.ActiveOpens
	} else {
		s.Accepted = t.PassiveOpens - b.PassiveOpens
	}
	n, _ := o.meter.latest(role)
	s.RSS, s.FDs = n.RSS, n.FDs
}

// readNSFile reads /proc/net/NAME as seen from namespace ns: through a
// live worker's /proc/<pid>/net when one lives there, else from a thread
// switched into ns. ownNamespace reads the orchestrator's own.
func readNSFile(f *fleet, ns, name string) []byte {
	if ns == ownNamespace {
		return procfs.ReadFile("/proc/self/net/" + name)
	}
	if f != nil {
		for _, w := range f.all() {
			if w.namespace == ns && w.alive() {
				if data := procfs.ReadFile(fmt.Sprintf("/proc/%d/net/%s", w.pid(), name)); data != nil {
					return data
				}
			}
		}
	}
	var data []byte
	_ = topology.Do(ns, func() error {
		data = procfs.ReadFile("/proc/thread-self/net/" + name)
		return nil
	})
	return data
}
