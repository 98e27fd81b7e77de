package measure

import (
	"testing"
	"time"
)

// TestHistsDelta: a phase's histograms are the end's less the start's,
// and a start that is not earlier (a worker that restarted) gives the end.
func TestHistsDelta(t *testing.T) {
	var start, end, d Hists
	start.Connect.Record(time.Millisecond)
	end = start
	end.Connect.Record(3 * time.Millisecond)
	end.RTT.Record(40 * time.Millisecond)
	d.Delta(&end, &start)
	if d.Connect.Count() != 1 || d.Connect.Max() < 2900*time.Microsecond || d.RTT.Count() != 1 {
		t.Errorf("delta: connect %d (max %v), rtt %d; want 1 (3ms), 1", d.Connect.Count(), d.Connect.Max(), d.RTT.Count())
	}
	d.Delta(&start, &end)
	if d.Connect.Count() != start.Connect.Count() {
		t.Errorf("a later prev: got %d recordings, want cur's %d", d.Connect.Count(), start.Connect.Count())
	}
}
