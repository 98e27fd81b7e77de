package testbed

import (
	"encoding/csv"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/report"
)

// How merge combines each column of samples.csv (every other column is
// summed over the shards).
var (
	// hostWideColumns are read host-wide: counted once per host.
	hostWideColumns = map[string]bool{"tcp_mem_pages": true, "mem_available": true, "slab": true, "sunreclaim": true,
		"file_nr": true, "srv_orphan": true, "srv_alloc": true}
	// maxColumns are per-interval percentiles: the whole's p99 is at most
	// the highest of the shards', which is what merge writes.
	maxColumns = map[string]bool{"connect_p99_ms": true, "rtt_p99_ms": true, "handshake_p99_ms": true}
	// emptyColumns may be empty (nothing recorded): empty when every shard's is.
	emptyColumns = map[string]bool{"connect_p99_ms": true, "rtt_p99_ms": true, "msgs_asked_per_sec": true, "msgs_answered_per_sec": true, "handshake_p99_ms": true}
)

// cumulative reports whether a column counts since the run started (a
// shard that has ended keeps its last value).
func cumulative(col string) bool {
	switch col {
	case "cli_connected", "cli_closed", "srv_accepted", "srv_closed", "messages":
		return true
	}
	return strings.HasPrefix(col, "err_") || strings.HasPrefix(col, "nstat_")
}

// series is the merged samples.csv.
type series struct {
	header []string
	phases []string
	rows   [][]float64 // by header column; NaN is an empty cell; the phase column is unused
}

// col returns column name's values.
func (s *series) col(name string) []float64 {
	j := -1
	for i, h := range s.header {
		if h == name {
			j = i
		}
	}
	out := make([]float64, len(s.rows))
	for i, r := range s.rows {
		if j >= 0 {
			out[i] = r[j]
		}
	}
	return out
}

// mergeSamples aligns the shards' samples on wall-clock time, one row
// every SampleInterval from t0 (the earliest shard's start) to the last
// shard's last sample, each shard contributing its latest row at or
// before that instant (nothing before its first; after its last, its
// cumulative counts only), and combines them column by column.
func mergeSamples(runs []shardRun, t0 time.Time) *series {
	s := &series{header: report.Header()}
	end := 0.0
	offsets := make([]float64, len(runs))
	for i, r := range runs {
		offsets[i] = r.rec.Started.Sub(t0).Seconds()
		if secs := r.samples.Columns["seconds"]; len(secs) > 0 {
			end = math.Max(end, offsets[i]+secs[len(secs)-1])
		}
	}
	host := hostsOf(runs)
	step := SampleInterval.Seconds()
	for t := 0.0; t <= end+1e-9; t += step {
		row := make([]float64, len(s.header))
		phase := ""
		for j, name := range s.header {
			if emptyColumns[name] {
				row[j] = math.NaN()
			}
		}
		for i, r := range runs {
			k, ended := rowAt(r.samples, t-offsets[i])
			if k < 0 {
				continue
			}
			if phase == "" && !ended && k < len(r.samples.Phases) {
				phase = r.samples.Phases[k]
			}
			for j, name := range s.header {
				vals, ok := r.samples.Columns[name]
				if name == "seconds" || name == "phase" || !ok || k >= len(vals) {
					continue
				}
				v := vals[k]
				switch {
				case ended && !cumulative(name):
					continue
				case hostWideColumns[name] && host[i] != i:
					continue
				case math.IsNaN(v):
					continue
				case maxColumns[name]:
					if math.IsNaN(row[j]) || v > row[j] {
						row[j] = v
					}
				case math.IsNaN(row[j]):
					row[j] = v
				default:
					row[j] += v
				}
			}
		}
		row[0] = t
		s.rows = append(s.rows, row)
		s.phases = append(s.phases, phase)
	}
	return s
}

// rowAt finds the last row of t at or before ts seconds; -1 before its
// first; ended is true past its last row by more than one interval.
func rowAt(t *report.Table, ts float64) (int, bool) {
	secs := t.Columns["seconds"]
	k := sort.SearchFloat64s(secs, ts+1e-9) - 1
	if k < 0 {
		return -1, false
	}
	return k, k == len(secs)-1 && ts > secs[k]+SampleInterval.Seconds()
}

// applySeries takes the whole's peaks from the merged series: what was
// established together at one instant, not the sum of peaks that may
// have come at different times (a note says when those differ).
func applySeries(rec *report.Record, s *series, runs []shardRun) {
	peak := func(cols ...string) int64 {
		var m float64
		for i := range s.rows {
			v := 0.0
			for _, c := range cols {
				v += s.col(c)[i]
			}
			m = math.Max(m, v)
		}
		return int64(m)
	}
	sum := &rec.Summary
	sum.PeakEstablished = peak("cli_established")
	sum.PeakServerEstablished = peak("srv_established")
	sum.PeakTimeWait = peak("srv_tw", "cli_tw")
	sum.PeakTCPMemPages = peak("tcp_mem_pages")
	sum.PeakOrphans = peak("srv_orphan")
	if p := sumPeaks(runs); p != sum.PeakEstablished {
		rec.Notes = append(rec.Notes, fmt.Sprintf("the shards' peaks add up to %d, but at most %d were established together at a sampled instant (the shards did not hold their peaks at the same time: start them together with --start-at)", p, sum.PeakEstablished))
	}
}

// writeSeries writes the merged samples.csv.
func writeSeries(out *report.Dir, s *series) error {
	f, err := out.CreateStream(report.SamplesFile)
	if err != nil {
		return fmt.Errorf("failed to create the merged samples file: %w", err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(s.header)
	for i, r := range s.rows {
		cells := make([]string, len(s.header))
		for j, name := range s.header {
			switch v := r[j]; {
			case name == "phase":
				cells[j] = s.phases[i]
			case name == "seconds":
				cells[j] = strconv.FormatFloat(v, 'f', 3, 64)
			case math.IsNaN(v):
				cells[j] = ""
			case v == math.Trunc(v) && math.Abs(v) < 1<<53:
				cells[j] = strconv.FormatInt(int64(v), 10)
			default:
				cells[j] = strconv.FormatFloat(v, 'f', 3, 64)
			}
		}
		_ = w.Write(cells)
	}
	w.Flush()
	werr := w.Error()
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("failed to write the merged samples: %w", werr)
	}
	return nil
}
