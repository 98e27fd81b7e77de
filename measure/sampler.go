package measure

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// Sampler takes a results.Sample every results.SampleInterval and writes
// samples.csv. The zero Sampler's readings (Latest, Interval, Peaks,
// Counters) are zero, for a runner under test; it must not be Run or
// Closed.
type Sampler struct {
	start      time.Time
	w          Workers
	where      Where
	phase      func() string
	nstatBase  map[string]int64
	file       *os.File
	csv        *csv.Writer
	mu         sync.Mutex
	last       results.Sample
	lastAt     time.Time
	peaks      Peaks
	slabBase   int64
	prevConn   int64
	prevClosed int64
	kmsg       *KernelLog
	writeErr   error  // the first error writing samples.csv
	path       string // samples.csv, for messages

	lat       intervalLatency // connect and RTT p99, message rates, per interval
	trafficOn atomic.Bool     // a traffic phase runs (its message rates are written even when 0)

	// meter measures each role's processes on its own goroutine and
	// slower cadence; a sample takes its latest sums and never waits.
	meter   *RoleMeter
	fullGen int64 // the meter's full readings the last sample saw

	cgroups map[string]*cgroupState // each limited role's cgroup (SetCgroups), guarded by mu

	ownCPU time.Duration // the sampler's thread's CPU in Run, read as Run ends (mu)
	ran    bool          // Run has run and returned (mu)
}

// MeasurePeak asks the role meter to read PSS now (call it at a peak); a
// sample taken after that reading counts as the peak's if the count held.
func (s *Sampler) MeasurePeak() {
	s.meter.RequestFull()
}

// Peaks are the maxima the summary reports.
type Peaks struct {
	CliEstablished, SrvEstablished int64 // connections established
	RSSAtPeak, PSSAtPeak           int64 // both roles' memory at the clients' peak, bytes
	SlabAtPeak                     int64 // the kernel's slab at the clients' peak, bytes
	TCPMemPages, Orphans, TimeWait int64
	CliReady                       int64 // client connections ready (protocol)
}

// NewSampler creates samples.csv in dir (never through a symbolic link)
// and writes its header; it measures w's roles in where, naming each
// sample's phase with phase. A header that cannot be written (a full
// disk) does not stop the run: the error is kept for Close to report, and
// the sampler still measures.
func NewSampler(dir *results.Dir, start time.Time, w Workers, where Where, phase func() string) (*Sampler, error) {
	file, err := dir.CreateStream(results.SamplesFile)
	if err != nil {
		return nil, fmt.Errorf("failed to create the samples file: %w", err)
	}
	s := &Sampler{start: start, w: w, where: where, phase: phase, file: file, csv: csv.NewWriter(file), path: dir.Join(results.SamplesFile),
		meter: NewRoleMeter(start, w, where)}
	s.write(results.Header())
	s.slabBase = procfs.ParseMeminfo(procfs.ReadFile("/proc/meminfo"))["Slab"]
	s.kmsg = OpenKernelLog()
	s.nstatBase = s.nstatNow()
	return s, nil
}

// Run samples until stop is closed, with the role meter beside it. It
// runs on an OS thread of its own at a higher priority (raisePriority), so
// that a hundred busy programs under test do not delay the samples.
func (s *Sampler) Run(stop <-chan struct{}) {
	runtime.LockOSThread() // never unlocked: the raised thread ends with the loop
	raisePriority()
	before := threadCPU()
	meterDone := make(chan struct{})
	go func() { s.meter.loop(stop); close(meterDone) }()
	defer func() { <-meterDone }()
	t := time.NewTicker(results.SampleInterval)
	defer t.Stop()
	s.take()
	for {
		select {
		case <-stop:
			s.take()
			s.mu.Lock()
			s.ownCPU, s.ran = threadCPU()-before, true
			s.mu.Unlock()
			return
		case <-t.C:
			s.take()
		}
	}
}

// take reads every metric once and appends a row.
func (s *Sampler) take() results.Sample {
	now := time.Now()
	s.kmsg.Poll()
	cli := s.w.RoleStats(RoleClient)
	srv := s.w.RoleStats(RoleServer)
	smp := results.Sample{
		Seconds:        now.Sub(s.start).Seconds(),
		Phase:          s.phase(),
		CliEstablished: cli.Established, CliConnecting: cli.Connecting, CliConnected: cli.Connected,
		CliClosed:      cli.ClosedByPeer + cli.ClosedByUs,
		SrvEstablished: srv.Established, SrvAccepted: srv.Accepted, SrvClosed: srv.ClosedByPeer + srv.ClosedByUs,
		Messages: srv.Messages,
		Errors:   s.w.Errors(),
	}
	// Memory is the role meter's: every process of each role, measured
	// the same way for built-in workers and external programs.
	cliNow, gen := s.meter.latest(RoleClient)
	srvNow, _ := s.meter.latest(RoleServer)
	smp.CliRSS, smp.SrvRSS, smp.CliPSS, smp.SrvPSS = cliNow.RSS, srvNow.RSS, cliNow.PSS, srvNow.PSS
	smp.CliProcesses, smp.SrvProcesses = int64(cliNow.Processes), int64(srvNow.Processes)
	smp.CliReady, smp.CliReconnecting = cli.Ready, cli.ReconnectsPending
	smp.CliWindow = cli.Window
	freshPSS := gen != s.fullGen
	s.fullGen = gen
	var srvSock procfs.Sockstat
	if s.where.HasServer {
		srvSock = s.sockstat(s.where.Server)
	} else if len(s.where.Clients) > 0 { // no server here: the host-wide counters from any namespace
		c := s.sockstat(s.where.Clients[0])
		srvSock = procfs.Sockstat{Orphan: c.Orphan, Alloc: c.Alloc}
	}
	// inuse and tw are counted per namespace; orphan and alloc (like mem)
	// are host-wide counters, so they are reported once, in srv_*.
	smp.SrvInuse, smp.SrvOrphan, smp.SrvTW, smp.SrvAlloc = srvSock.Inuse, srvSock.Orphan, srvSock.TW, srvSock.Alloc
	for _, ns := range s.where.Clients {
		c := s.sockstat(ns)
		smp.CliInuse += c.Inuse
		smp.CliTW += c.TW
	}
	smp.TCPMemPages = procfs.ParseSockstat(procfs.ReadFile("/proc/net/sockstat")).Mem
	mi := procfs.ParseMeminfo(procfs.ReadFile("/proc/meminfo"))
	smp.MemAvailable, smp.Slab, smp.SUnreclaim = mi["MemAvailable"], mi["Slab"], mi["SUnreclaim"]
	smp.FileNr, _ = procfs.ReadInt("/proc/sys/fs/file-nr")
	smp.Nstat = map[string]int64{}
	for k, v := range s.nstatNow() {
		smp.Nstat[k] = v - s.nstatBase[k]
	}

	s.mu.Lock()
	s.readCgroups(&smp)
	dt := 0.0
	if !s.lastAt.IsZero() {
		dt = now.Sub(s.lastAt).Seconds()
		if dt > 0 {
			smp.ConnectsPerSec = float64(cli.Connected-s.prevConn) / dt
			smp.ClosesPerSec = float64(smp.CliClosed-s.prevClosed) / dt
		}
	}
	s.lat.take(s.w, &smp, dt, s.trafficOn.Load())
	s.prevConn, s.prevClosed = cli.Connected, smp.CliClosed
	s.last, s.lastAt = smp, now
	p := &s.peaks
	switch {
	case smp.CliEstablished > p.CliEstablished: // a new peak
		p.CliEstablished = smp.CliEstablished
		p.RSSAtPeak = smp.CliRSS + smp.SrvRSS
		p.PSSAtPeak = smp.CliPSS + smp.SrvPSS
		p.SlabAtPeak = smp.Slab
	case freshPSS && smp.CliEstablished == p.CliEstablished && smp.CliEstablished > 0:
		// A fresh reading at the peak: memory still grows while the server
		// accepts the last connections, so the highest one counts.
		p.RSSAtPeak = max(p.RSSAtPeak, smp.CliRSS+smp.SrvRSS)
		p.PSSAtPeak = max(p.PSSAtPeak, smp.CliPSS+smp.SrvPSS)
		p.SlabAtPeak = max(p.SlabAtPeak, smp.Slab)
	}
	p.SrvEstablished = max(p.SrvEstablished, smp.SrvEstablished)
	p.TCPMemPages = max(p.TCPMemPages, smp.TCPMemPages)
	p.Orphans = max(p.Orphans, smp.SrvOrphan)
	p.TimeWait = max(p.TimeWait, smp.SrvTW+smp.CliTW)
	p.CliReady = max(p.CliReady, smp.CliReady)
	s.write(smp.Row())
	s.mu.Unlock()
	return smp
}

// Interval returns the latest interval's connect p99, RTT p99 and
// messages answered per second (0 where nothing was recorded).
func (s *Sampler) Interval() (connectP99, rttP99 time.Duration, answeredPerSec float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lat.connectP99, s.lat.rttP99, s.lat.answeredPerSec
}

// Latest returns the newest sample.
func (s *Sampler) Latest() results.Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Peaks returns the maxima so far.
func (s *Sampler) Peaks() Peaks {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peaks
}

// write appends one row and flushes it; the first error is kept (later
// rows are dropped: a full disk stays full) and close reports it.
func (s *Sampler) write(row []string) {
	if s.writeErr != nil {
		return
	}
	if err := s.csv.Write(row); err != nil {
		s.writeErr = err
		return
	}
	s.csv.Flush()
	s.writeErr = s.csv.Error()
}

// Close stops the kernel log and closes samples.csv; the error says
// whether every sample was written.
func (s *Sampler) Close() error {
	s.kmsg.Poll()
	s.kmsg.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writeErr == nil {
		s.csv.Flush()
		s.writeErr = s.csv.Error()
	}
	err := s.file.Close()
	if s.writeErr != nil {
		err = s.writeErr
	}
	if err != nil {
		hint := ""
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			hint = " (the disk is full)"
		}
		return fmt.Errorf("failed to write %s%s: the samples after the error are missing: %w", s.path, hint, err)
	}
	return nil
}

// readInNS reads /proc/net/NAME as seen from namespace ns.
func (s *Sampler) readInNS(ns Namespace, name string) []byte {
	return ReadNetFile(s.w, ns, name)
}

// sockstat reads namespace ns's TCP line of sockstat, with inuse counting
// both families: sockstat's own inuse is IPv4's, and the IPv6 sockets'
// are in sockstat6 (the other fields are shared by both families).
func (s *Sampler) sockstat(ns Namespace) procfs.Sockstat {
	return procfs.ParseSockstatBoth(s.readInNS(ns, "sockstat"), s.readInNS(ns, "sockstat6"))
}

// nstatNow sums the sampled TcpExt counters over the run's namespaces.
func (s *Sampler) nstatNow() map[string]int64 {
	m := map[string]int64{}
	for _, ns := range s.where.namespaces() {
		c := procfs.ParseNetstat(s.readInNS(ns, "netstat"))
		for _, n := range results.NstatColumns {
			m[n] += c["TcpExt."+n]
		}
	}
	return m
}
