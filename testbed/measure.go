package testbed

import (
	"fmt"
	"sync"
	"time"

	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// measureEvery bounds how often external roles are measured from /proc:
// counts older than this are read again when asked for.
const measureEvery = 200 * time.Millisecond

// outside measures the roles that run external programs from the
// kernel's side: established connections from each namespace's
// Tcp: CurrEstab, connects and accepts from ActiveOpens and PassiveOpens
// (since the programs started), and each program's memory, CPU time and
// open files from /proc.
type outside struct {
	f        *fleet
	ns       map[string][]string // role → its namespaces
	external map[string]bool     // role → runs external programs

	mu   sync.Mutex
	at   time.Time
	tcp  map[string]kernelTCP // role → summed over its namespaces
	base map[string]kernelTCP // role → at the start
}

func newOutside(f *fleet, serverNS string, clientNS []string, extServer, extClient bool) *outside {
	o := &outside{f: f, ns: map[string][]string{roleServer: {serverNS}, roleClient: clientNS},
		external: map[string]bool{roleServer: extServer, roleClient: extClient}}
	o.base = map[string]kernelTCP{roleServer: o.readTCP(roleServer), roleClient: o.readTCP(roleClient)}
	return o
}

// readTCP sums /proc/net/snmp's Tcp counters over a role's namespaces.
func (o *outside) readTCP(role string) kernelTCP {
	var t kernelTCP
	for _, ns := range o.ns[role] {
		k := parseSnmpTCP(readNSFile(o.f, ns, "snmp"))
		t.CurrEstab += k.CurrEstab
		t.ActiveOpens += k.ActiveOpens
		t.PassiveOpens += k.PassiveOpens
	}
	return t
}

// refresh reads everything again when the last reading is stale.
func (o *outside) refresh() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if time.Since(o.at) < measureEvery {
		return
	}
	o.tcp = map[string]kernelTCP{}
	for role, ext := range o.external {
		if !ext {
			continue
		}
		o.tcp[role] = o.readTCP(role)
		for _, w := range o.f.role(role) {
			if !w.alive() {
				continue
			}
			u := readProcUsage(w.pid())
			w.mu.Lock()
			if u.CPUSeconds > 0 || u.RSS > 0 {
				w.usage = u
				w.peak.RSS, w.peak.PSS, w.peak.FDs = max(w.peak.RSS, u.RSS), max(w.peak.PSS, u.PSS), max(w.peak.FDs, u.FDs)
				w.peak.CPUSeconds = u.CPUSeconds
			}
			w.mu.Unlock()
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
	s.RSS, s.FDs = 0, 0
	for _, w := range o.f.role(role) {
		if w.alive() {
			w.mu.Lock()
			s.RSS += w.usage.RSS
			s.FDs += w.usage.FDs
			w.mu.Unlock()
		}
	}
}

// readNSFile reads /proc/net/NAME as seen from namespace ns: through a
// live worker's /proc/<pid>/net when one lives there, else from a thread
// switched into ns.
func readNSFile(f *fleet, ns, name string) []byte {
	if f != nil {
		for _, w := range f.all() {
			if w.namespace == ns && w.alive() {
				if data := readFile(fmt.Sprintf("/proc/%d/net/%s", w.pid(), name)); data != nil {
					return data
				}
			}
		}
	}
	var data []byte
	_ = topology.Do(ns, func() error {
		data = readFile("/proc/thread-self/net/" + name)
		return nil
	})
	return data
}
