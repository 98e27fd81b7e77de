package nodes

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// pssEvery is how many stats lines share one PSS reading. Reading
// smaps_rollup walks the page tables: at a million connections the
// workers spent ~8% of both CPUs on it when they read it every 250 ms.
const pssEvery = 16

// Stats returns the worker's counters and gauges now (RSS from
// /proc/self/statm; PSS from /proc/self/smaps_rollup, refreshed every
// pssEvery calls; open fds from the table plus the fds counted at start,
// not from /proc/self/fd). ConnectHist and RTTHist are set only when
// their count changed since the previous call, and point at the worker's
// live histograms: marshal them before the loop records again (the
// reporter does, on the loop's thread).
func (w *Worker) Stats() Stats {
	s := w.st
	s.Errors = w.errs.snapshot()
	s.RSS = w.rss()
	if w.statsCalls%pssEvery == 0 {
		w.lastPSS = pss()
	}
	w.statsCalls++
	s.PSS = w.lastPSS
	s.FDs = w.fdBase + s.Established + s.Connecting
	s.Pool = w.pool.residentBytes()
	// A histogram goes out only when it changed, so the report stays
	// small while nothing is measured; no copy is kept (17 KB each).
	if n := w.connHist.Count(); n != w.connSent {
		w.connSent = n
		s.ConnectHist = &w.connHist
	}
	if n := w.rttHist.Count(); n != w.rttSent {
		w.rttSent = n
		s.RTTHist = &w.rttHist
	}
	if n := w.hsHist.Count(); n != w.hsSent {
		w.hsSent = n
		s.HandshakeHist = &w.hsHist
	}
	s.Statuses = w.statusSnapshot()
	return s
}

// rss reads the resident set size from /proc/self/statm.
func (w *Worker) rss() int64 {
	fd, err := unix.Open("/proc/self/statm", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	if w.statBuf == nil {
		w.statBuf = make([]byte, 128)
	}
	n, err := unix.Read(fd, w.statBuf)
	if err != nil || n <= 0 {
		return 0
	}
	f := bytes.Fields(w.statBuf[:n])
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(unix.Getpagesize())
}

// pss reads the proportional set size from /proc/self/smaps_rollup: the
// honest share of a process when fifty workers map the same binary.
func pss() int64 {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0
	}
	i := bytes.Index(b, []byte("\nPss:"))
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+5:])
	if len(f) < 2 || string(f[1]) != "kB" {
		return 0
	}
	kb, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return 0
	}
	return kb << 10
}
