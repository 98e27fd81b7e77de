package testbed

import "github.com/c1m-testbed/c1m-testbed/nodes"

// takeStatsHists copies the histograms a stats report carries into h and
// clears them from s (a worker sends a histogram only when its count
// changed: a report without one leaves h as it was).
func takeStatsHists(s *nodes.Stats, h *hists) {
	if s.ConnectHist != nil {
		h.connect = *s.ConnectHist
		s.ConnectHist = nil
	}
	if s.RTTHist != nil {
		h.rtt = *s.RTTHist
		s.RTTHist = nil
	}
}

// statsMsgs returns a worker's cumulative traffic counters: messages
// asked for by the schedule, sent whole and answered whole.
func statsMsgs(s *nodes.Stats) (asked, sent, answered int64) {
	return s.MsgAsked, s.MsgSent, s.MsgAnswered
}
