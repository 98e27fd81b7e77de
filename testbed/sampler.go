package testbed

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// SampleInterval is how often the sampler reads every metric.
const SampleInterval = 500 * time.Millisecond

// sampler takes a results.Sample every SampleInterval and writes samples.csv.
type sampler struct {
	start      time.Time
	fleet      *fleet
	serverNS   string
	clientNS   []string
	phase      func() string
	nstatBase  map[string]int64
	file       *os.File
	csv        *csv.Writer
	mu         sync.Mutex
	last       results.Sample
	lastAt     time.Time
	peaks      peaks
	slabBase   int64
	prevConn   int64
	prevClosed int64
	kmsg       *kernelLog
	writeErr   error  // the first error writing samples.csv
	path       string // samples.csv, for messages

	lat       intervalLatency // connect and RTT p99, message rates, per interval
	trafficOn atomic.Bool     // a traffic phase runs (its message rates are written even when 0)

	// meter measures each role's processes on its own goroutine and
	// slower cadence; a sample takes its latest sums and never waits.
	meter   *roleMeter
	fullGen int64 // the meter's full readings the last sample saw
}

// measurePSS asks the role meter to read PSS now (call it at a peak); a
// sample taken after that reading counts as the peak's if the count held.
func (s *sampler) measurePSS() {
	s.meter.requestFull()
}

// peaks are the maxima the summary reports.
type peaks struct {
	cliEstablished, srvEstablished int64
	rssAtPeak, pssAtPeak           int64
	slabAtPeak                     int64
	tcpMem, orphans, tw            int64
	cliReady                       int64
}

// newSampler creates samples.csv in dir (never through a symbolic link)
// and writes its header. A header that cannot be written (a full disk)
// does not stop the run: the error is kept for close to report, and the
// sampler still measures.
func newSampler(dir *results.Dir, start time.Time, f *fleet, serverNS string, clientNS []string, phase func() string) (*sampler, error) {
	file, err := dir.CreateStream(results.SamplesFile)
	if err != nil {
		return nil, fmt.Errorf("failed to create the samples file: %w", err)
	}
	s := &sampler{start: start, fleet: f, serverNS: serverNS, clientNS: clientNS, phase: phase, file: file, csv: csv.NewWriter(file), path: dir.Join(results.SamplesFile),
		meter: newRoleMeter(start, f, serverNS, clientNS)}
	s.write(results.Header())
	s.slabBase = procfs.ParseMeminfo(procfs.ReadFile("/proc/meminfo"))["Slab"]
	s.kmsg = openKernelLog()
	s.nstatBase = s.nstatNow()
	return s, nil
}

// loop samples until stop is closed, with the role meter beside it. It
// runs on an OS thread of its own at a higher priority (raisePriority), so
// that a hundred busy programs under test do not delay the samples.
func (s *sampler) loop(stop <-chan struct{}) {
	runtime.LockOSThread() // never unlocked: the raised thread ends with the loop
	raisePriority()
	meterDone := make(chan struct{})
	go func() { s.meter.loop(stop); close(meterDone) }()
	defer func() { <-meterDone }()
	t := time.NewTicker(SampleInterval)
	defer t.Stop()
	s.take()
	for {
		select {
		case <-stop:
			s.take()
			return
		case <-t.C:
			s.take()
		}
	}
}

// samplerNice is the nice value of the sampling thread: above the programs
// measured (0) so samples keep their cadence, not so high as to matter.
const samplerNice = -10

// raisePriority sets the calling thread's nice value to samplerNice (Linux
// setpriority on a thread id changes that thread only). Best effort: it
// needs CAP_SYS_NICE, which root has.
func raisePriority() {
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), samplerNice)
}

// take reads every metric once and appends a row.
func (s *sampler) take() results.Sample {
	now := time.Now()
	s.kmsg.poll()
	cli := s.fleet.roleStats(roleClient)
	srv := s.fleet.roleStats(roleServer)
	smp := results.Sample{
		Seconds:        now.Sub(s.start).Seconds(),
		Phase:          s.phase(),
		CliEstablished: cli.Established, CliConnecting: cli.Connecting, CliConnected: cli.Connected,
		CliClosed:      cli.ClosedByPeer + cli.ClosedByUs,
		SrvEstablished: srv.Established, SrvAccepted: srv.Accepted, SrvClosed: srv.ClosedByPeer + srv.ClosedByUs,
		Messages: srv.Messages,
		Errors:   s.fleet.errors(),
	}
	// Memory is the role meter's: every process of each role, measured
	// the same way for built-in workers and external programs.
	cliNow, gen := s.meter.latest(roleClient)
	srvNow, _ := s.meter.latest(roleServer)
	smp.CliRSS, smp.SrvRSS, smp.CliPSS, smp.SrvPSS = cliNow.RSS, srvNow.RSS, cliNow.PSS, srvNow.PSS
	smp.CliProcesses, smp.SrvProcesses = int64(cliNow.Processes), int64(srvNow.Processes)
	smp.CliReady, smp.CliReconnecting = cli.Ready, cli.ReconnectsPending
	freshPSS := gen != s.fullGen
	s.fullGen = gen
	var srvSock procfs.Sockstat
	if s.serverNS != "" {
		srvSock = s.sockstat(s.serverNS)
	} else if len(s.clientNS) > 0 { // no server here: the host-wide counters from any namespace
		c := s.sockstat(s.clientNS[0])
		srvSock = procfs.Sockstat{Orphan: c.Orphan, Alloc: c.Alloc}
	}
	// inuse and tw are counted per namespace; orphan and alloc (like mem)
	// are host-wide counters, so they are reported once, in srv_*.
	smp.SrvInuse, smp.SrvOrphan, smp.SrvTW, smp.SrvAlloc = srvSock.Inuse, srvSock.Orphan, srvSock.TW, srvSock.Alloc
	for _, ns := range s.clientNS {
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
	dt := 0.0
	if !s.lastAt.IsZero() {
		dt = now.Sub(s.lastAt).Seconds()
		if dt > 0 {
			smp.ConnectsPerSec = float64(cli.Connected-s.prevConn) / dt
			smp.ClosesPerSec = float64(smp.CliClosed-s.prevClosed) / dt
		}
	}
	s.lat.take(s.fleet, &smp, dt, s.trafficOn.Load())
	s.prevConn, s.prevClosed = cli.Connected, smp.CliClosed
	s.last, s.lastAt = smp, now
	p := &s.peaks
	switch {
	case smp.CliEstablished > p.cliEstablished: // a new peak
		p.cliEstablished = smp.CliEstablished
		p.rssAtPeak = smp.CliRSS + smp.SrvRSS
		p.pssAtPeak = smp.CliPSS + smp.SrvPSS
		p.slabAtPeak = smp.Slab
	case freshPSS && smp.CliEstablished == p.cliEstablished && smp.CliEstablished > 0:
		// A fresh reading at the peak: memory still grows while the server
		// accepts the last connections, so the highest one counts.
		p.rssAtPeak = max(p.rssAtPeak, smp.CliRSS+smp.SrvRSS)
		p.pssAtPeak = max(p.pssAtPeak, smp.CliPSS+smp.SrvPSS)
		p.slabAtPeak = max(p.slabAtPeak, smp.Slab)
	}
	p.srvEstablished = max(p.srvEstablished, smp.SrvEstablished)
	p.tcpMem = max(p.tcpMem, smp.TCPMemPages)
	p.orphans = max(p.orphans, smp.SrvOrphan)
	p.tw = max(p.tw, smp.SrvTW+smp.CliTW)
	p.cliReady = max(p.cliReady, smp.CliReady)
	s.write(smp.Row())
	s.mu.Unlock()
	return smp
}

// interval returns the latest interval's connect p99, RTT p99 and
// messages answered per second (0 where nothing was recorded).
func (s *sampler) interval() (connectP99, rttP99 time.Duration, answeredPerSec float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lat.connectP99, s.lat.rttP99, s.lat.answeredPerSec
}

// latest returns the newest sample.
func (s *sampler) latest() results.Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func (s *sampler) peak() peaks {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peaks
}

// write appends one row and flushes it; the first error is kept (later
// rows are dropped: a full disk stays full) and close reports it.
func (s *sampler) write(row []string) {
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

// close stops the kernel log and closes samples.csv; the error says
// whether every sample was written.
func (s *sampler) close() error {
	s.kmsg.poll()
	s.kmsg.close()
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
func (s *sampler) readInNS(ns, name string) []byte {
	return readNSFile(s.fleet, ns, name)
}

func (s *sampler) sockstat(ns string) procfs.Sockstat {
	return procfs.ParseSockstat(s.readInNS(ns, "sockstat"))
}

// nstatNow sums the sampled TcpExt counters over the run's namespaces.
func (s *sampler) nstatNow() map[string]int64 {
	m := map[string]int64{}
	for _, ns := range s.namespaces() {
		c := procfs.ParseNetstat(s.readInNS(ns, "netstat"))
		for _, n := range results.NstatColumns {
			m[n] += c["TcpExt."+n]
		}
	}
	return m
}

// namespaces lists the run's namespaces: the server's (when it has one
// here) and the clients'.
func (s *sampler) namespaces() []string {
	if s.serverNS == "" {
		return s.clientNS
	}
	return append([]string{s.serverNS}, s.clientNS...)
}

// errorsString renders error counts compactly, biggest first.
func errorsString(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, k := range sortedByCount(m) {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}
