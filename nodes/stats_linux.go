package nodes

// Stats returns the worker's counters and gauges now (open fds from the
// table plus the fds counted at start, not from /proc/self/fd). It reads
// nothing from /proc: RSS and PSS stay 0, since the orchestrator measures
// every worker's memory itself from /proc (its role meter), and a worker
// that read statm every 250 ms and walked its page tables for
// smaps_rollup every 4 s spent system time nobody used. ConnectHist and
// RTTHist are set only when their count changed since the previous call,
// and point at the worker's live histograms: marshal them before the loop
// records again (the reporter does, on the loop's thread).
func (w *Worker) Stats() Stats {
	s := w.st
	s.Errors = w.errs.snapshot()
	s.FDs = w.fdBase + s.Established + s.Connecting
	s.Pool = w.pool.residentBytes()
	if w.cj.active {
		s.Window = int64(w.cj.win.limit())
	}
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
	if n := w.waitHist.Count(); n != w.waitSent {
		w.waitSent = n
		s.WaitHist = &w.waitHist
	}
	if n := w.hsHist.Count(); n != w.hsSent {
		w.hsSent = n
		s.HandshakeHist = &w.hsHist
	}
	s.Statuses = w.statusSnapshot()
	return s
}
