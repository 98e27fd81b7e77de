package nodes

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
)

// TestReporterStatsHistograms: the histograms the reporter splices into a
// stats line by hand decode exactly, with the rest of the stats, as one
// JSON report; without histograms the line is what encoding/json writes.
func TestReporterStatsHistograms(t *testing.T) {
	var ch, rh, hh histogram.Histogram
	for i := 1; i <= 500; i++ {
		ch.Record(time.Duration(i) * time.Millisecond)
		rh.Record(time.Duration(i) * time.Microsecond)
		hh.Record(time.Duration(i) * 10 * time.Microsecond)
	}
	for _, tc := range []struct {
		name       string
		ch, rh, hh *histogram.Histogram
	}{{"all", &ch, &rh, &hh}, {"connect only", &ch, nil, nil}, {"rtt only", nil, &rh, nil}, {"handshake only", nil, nil, &hh}, {"none", nil, nil, nil}} {
		var out bytes.Buffer
		r := &reporter{w: &out}
		r.stats(Stats{Established: 7, Errors: map[string]int64{"EAGAIN": 2}, ConnectHist: tc.ch, RTTHist: tc.rh, HandshakeHist: tc.hh}, true)
		line := out.Bytes()
		if len(line) == 0 || line[len(line)-1] != '\n' || bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("%s: not one JSON line: %q", tc.name, line)
		}
		var rep Report
		if err := json.Unmarshal(line, &rep); err != nil {
			t.Fatalf("%s: %v in %s", tc.name, err, line)
		}
		if rep.Type != ReportStats || rep.Stats == nil || rep.Stats.Established != 7 || rep.Stats.Errors["EAGAIN"] != 2 {
			t.Errorf("%s: stats lost: %+v", tc.name, rep.Stats)
		}
		for _, h := range []struct {
			got, want *histogram.Histogram
			what      string
		}{{rep.Stats.ConnectHist, tc.ch, "connect_hist"}, {rep.Stats.RTTHist, tc.rh, "rtt_hist"}, {rep.Stats.HandshakeHist, tc.hh, "handshake_hist"}} {
			switch {
			case h.want == nil && h.got != nil:
				t.Errorf("%s: %s present, want none", tc.name, h.what)
			case h.want != nil && (h.got == nil || *h.got != *h.want):
				t.Errorf("%s: %s did not round-trip", tc.name, h.what)
			}
		}
	}
}
