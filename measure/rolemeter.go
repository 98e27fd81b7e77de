package measure

import (
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// The role meter's cadences: every meterEvery it finds each role's
// processes and reads their stat (CPU, RSS) and open-file count, both
// cheap; every meterFullEvery, and when asked at a peak, it also reads
// smaps_rollup (PSS), which walks page tables.
const (
	meterEvery     = time.Second
	meterFullEvery = 4 * time.Second
)

// meterRole is one role the meter measures.
type meterRole struct {
	name       string
	namespaces []Namespace
}

// procKey names one process for good: a pid reused later has another
// start time.
type procKey struct {
	pid   int
	start uint64
}

// procRecord is what the meter knows of one process.
type procRecord struct {
	usage    results.ProcessUsage
	role     string
	alive    bool
	rss, pss int64 // the latest readings
	fds      int64
}

// roleNow is a role's sums over its live processes at the latest reading.
type roleNow struct {
	Processes     int
	RSS, PSS, FDs int64
}

// RoleMeter measures each role's processes from /proc by network
// namespace, on its own goroutine and cadence, so the sampler only reads
// its latest sums and never waits for a scan.
type RoleMeter struct {
	start time.Time
	w     Workers
	roles []meterRole
	wake  chan struct{}

	mu       sync.Mutex
	procs    map[procKey]*procRecord
	now      map[string]roleNow
	peaks    map[string]*results.RoleUsage
	fullGen  int64         // full readings done (PSS fresh)
	fullAt   time.Time     // the last full reading
	followUp int           // full readings still due at the next ticks (after a peak)
	ownCPU   time.Duration // the meter's thread's CPU, read as its loop ends
}

// peakFollowUps is how many more full readings follow one asked for at a
// peak, a second apart: the server may still be accepting the last
// connections (and touching their memory) when the clients' count peaks.
const peakFollowUps = 2

// NewRoleMeter measures the roles in where, from start, following w's
// workers where a role runs Here.
func NewRoleMeter(start time.Time, w Workers, where Where) *RoleMeter {
	m := &RoleMeter{start: start, w: w, wake: make(chan struct{}, 1),
		procs: map[procKey]*procRecord{}, now: map[string]roleNow{}, peaks: map[string]*results.RoleUsage{}}
	if where.HasServer {
		m.roles = append(m.roles, meterRole{name: RoleServer, namespaces: []Namespace{where.Server}})
	}
	if len(where.Clients) > 0 {
		m.roles = append(m.roles, meterRole{name: RoleClient, namespaces: where.Clients})
	}
	for _, r := range m.roles {
		m.peaks[r.name] = &results.RoleUsage{Role: r.name, Namespaces: len(r.namespaces)}
	}
	return m
}

// loop reads until stop is closed, then once more. Like the sampler it
// runs on a thread of its own at nice samplerNice: at normal priority, 200
// busy programs left it 1% of a CPU and a reading took seconds.
func (m *RoleMeter) loop(stop <-chan struct{}) {
	runtime.LockOSThread() // never unlocked: the raised thread ends with the loop
	raisePriority()
	before := threadCPU()
	t := time.NewTicker(meterEvery)
	defer t.Stop()
	m.read(true)
	for {
		select {
		case <-stop:
			m.read(true)
			m.mu.Lock()
			m.ownCPU = threadCPU() - before
			m.mu.Unlock()
			return
		case <-m.wake:
			m.mu.Lock()
			m.followUp = peakFollowUps
			m.mu.Unlock()
			m.read(true)
		case <-t.C:
			m.mu.Lock()
			full := time.Since(m.fullAt) >= meterFullEvery || m.followUp > 0
			if m.followUp > 0 {
				m.followUp--
			}
			m.mu.Unlock()
			m.read(full)
		}
	}
}

// RequestFull asks for a full reading (PSS) as soon as possible (call it
// at a peak).
func (m *RoleMeter) RequestFull() {
	if m == nil {
		return
	}
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// latest returns a role's sums and how many full readings are done.
func (m *RoleMeter) latest(role string) (roleNow, int64) {
	if m == nil {
		return roleNow{}, 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now[role], m.fullGen
}

// read finds every role's processes and reads them; full adds PSS. The
// /proc reads happen outside the lock; the stat read while finding a
// process is the one used.
func (m *RoleMeter) read(full bool) {
	found := m.find()
	type reading struct {
		p        topology.Process
		role     string
		ns       Namespace
		pss, fds int64
		cmdline  string
	}
	got := make([]reading, 0, len(found))
	for _, f := range found {
		r := reading{p: f.Process, role: f.role, ns: f.ns, fds: procfs.FDCount(f.PID)}
		if full {
			r.pss = procfs.PSS(f.PID)
		}
		got = append(got, r)
	}
	m.mu.Lock()
	var fresh []int // processes not seen before: their command line is read once
	for i, r := range got {
		if m.procs[procKey{r.p.PID, r.p.Start}] == nil {
			fresh = append(fresh, i)
		}
	}
	m.mu.Unlock()
	for _, i := range fresh {
		got[i].cmdline = procfs.Cmdline(got[i].p.PID)
	}
	at := time.Since(m.start).Seconds()

	m.mu.Lock()
	defer m.mu.Unlock()
	for _, rec := range m.procs {
		rec.alive = false
	}
	for _, r := range got {
		k := procKey{r.p.PID, r.p.Start}
		rec := m.procs[k]
		if rec == nil {
			rec = &procRecord{role: r.role, usage: results.ProcessUsage{PID: r.p.PID, PPID: r.p.PPID, Comm: r.p.Comm,
				Command: r.cmdline, Namespace: string(r.ns), StartedSeconds: at}}
			m.procs[k] = rec
		}
		rec.alive = true
		u := &rec.usage
		u.LastSeenSeconds, u.Comm = at, r.p.Comm
		u.CPUUserSeconds, u.CPUSystemSeconds = r.p.UserCPU.Seconds(), r.p.SystemCPU.Seconds()
		rec.rss, rec.fds = r.p.RSSBytes, r.fds
		if full {
			rec.pss = r.pss
		}
		u.PeakRSS, u.PeakPSS, u.PeakFDs = max(u.PeakRSS, rec.rss), max(u.PeakPSS, rec.pss), max(u.PeakFDs, rec.fds)
	}
	m.applyFinals()
	now := map[string]roleNow{}
	for _, rec := range m.procs {
		rec.usage.Exited = !rec.alive
		if !rec.alive {
			continue
		}
		n := now[rec.role]
		n.Processes++
		n.RSS += rec.rss
		n.PSS += rec.pss
		n.FDs += rec.fds
		now[rec.role] = n
	}
	for role, p := range m.peaks {
		n := now[role]
		p.PeakProcesses = max(p.PeakProcesses, n.Processes)
		p.PeakRSS, p.PeakPSS, p.PeakFDs = max(p.PeakRSS, n.RSS), max(p.PeakPSS, n.PSS), max(p.PeakFDs, n.FDs)
	}
	m.now = now
	if full {
		m.fullGen++
		m.fullAt = time.Now()
	}
	m.updateWorkers()
}

// found is a process of a role, as stat showed it when it was found.
type found struct {
	topology.Process
	ns   Namespace
	role string
}

// find lists every process of each role.
func (m *RoleMeter) find() []found {
	var out []found
	var own []string // roles measured in the orchestrator's namespace
	for _, r := range m.roles {
		var named []string
		for _, ns := range r.namespaces {
			if ns == Here {
				own = append(own, r.name)
			} else {
				named = append(named, string(ns))
			}
		}
		for _, p := range topology.ProcessesIn(named) {
			out = append(out, found{p.Process, Namespace(p.Namespace), r.name})
		}
	}
	if len(own) == 0 {
		return out
	}
	procs := map[int]topology.Process{}
	children := map[int][]int{}
	for _, pid := range topology.AllPIDs() {
		if p, err := topology.ReadProcess(pid); err == nil {
			procs[pid] = p
			children[p.PPID] = append(children[p.PPID], pid)
		}
	}
	for _, role := range own {
		queue := m.w.LivePIDs(role)
		for len(queue) > 0 {
			pid := queue[0]
			queue = append(queue[1:], children[pid]...)
			if p, ok := procs[pid]; ok {
				out = append(out, found{p, Here, role})
			}
		}
	}
	return out
}

// updateWorkers gives each worker its own process's readings, for
// run.json's per-program extra (the caller holds m.mu).
func (m *RoleMeter) updateWorkers() {
	byPID := map[int]Usage{}
	for _, rec := range m.procs {
		if rec.alive {
			byPID[rec.usage.PID] = Usage{RSS: rec.rss, PSS: rec.pss, FDs: rec.fds, CPUSeconds: rec.usage.CPUUserSeconds + rec.usage.CPUSystemSeconds}
		}
	}
	m.w.RecordUsage(byPID)
}

// applyFinals gives every process the testbed started and read as it
// exited its CPU to the end: the last tick's reading misses its exit, and
// workers stopped at teardown exit after the meter's last reading (the
// caller holds m.mu).
func (m *RoleMeter) applyFinals() {
	finals := m.w.FinalReadings()
	for key, rec := range m.procs {
		if f, ok := finals[key.pid]; ok && f.Start == key.start {
			rec.usage.CPUUserSeconds, rec.usage.CPUSystemSeconds = f.UserCPU.Seconds(), f.SystemCPU.Seconds()
			rec.usage.Exited = true
		}
	}
}

// Usage returns each role's record for run.json's roles[], with the
// readings of the workers that have exited since the meter stopped.
func (m *RoleMeter) Usage() []results.RoleUsage {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applyFinals()
	var out []results.RoleUsage
	for _, r := range m.roles {
		u := *m.peaks[r.name]
		u.Processes = nil
		for _, rec := range m.procs {
			if rec.role != r.name {
				continue
			}
			u.ProcessesSeen++
			u.CPUUserSeconds += rec.usage.CPUUserSeconds
			u.CPUSystemSeconds += rec.usage.CPUSystemSeconds
			u.Processes = append(u.Processes, rec.usage)
		}
		slices.SortFunc(u.Processes, func(a, b results.ProcessUsage) int { return a.PID - b.PID })
		if n := len(u.Processes); n > results.MaxRoleProcesses {
			u.Processes, u.ProcessesOmitted = u.Processes[:results.MaxRoleProcesses], n-results.MaxRoleProcesses
		}
		out = append(out, u)
	}
	return out
}
