package merge

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/results"
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
	emptyColumns = func() map[string]bool {
		m := map[string]bool{"connect_p99_ms": true, "rtt_p99_ms": true, "msgs_asked_per_sec": true, "msgs_answered_per_sec": true, "handshake_p99_ms": true}
		for _, c := range results.CgroupColumns { // empty for a role without limits
			m[c] = true
		}
		return m
	}()
	// mergeHeader is the merged samples.csv's header: this version's.
	mergeHeader = results.Header()
)

// cumulative reports whether a column counts since the run started (a
// shard that has ended keeps its last value).
func cumulative(col string) bool {
	switch col {
	case "cli_connected", "cli_closed", "srv_accepted", "srv_closed", "messages":
		return true
	}
	return strings.HasPrefix(col, "err_") || strings.HasPrefix(col, "nstat_") ||
		strings.HasSuffix(col, "_oom_kills") || strings.HasSuffix(col, "_throttled")
}

// mayBeNegative reports whether a column's values can be below zero in a
// real run: rates and TcpExt deltas fall when a worker or a namespace
// goes away; every other column counts or measures something.
func mayBeNegative(col string) bool {
	return col == "connects_per_sec" || col == "closes_per_sec" || strings.HasPrefix(col, "nstat_")
}

// shardSamples is one shard's samples.csv as merge keeps it: the columns
// of mergeHeader only (nil where the shard has none), checked.
type shardSamples struct {
	secs   []float64
	phases []string    // nil when the shard has no phase column
	cols   [][]float64 // by mergeHeader index
}

// compactSamples checks a shard's samples and keeps what merge uses:
// every cell of a kept column a number within ±maxCount (NaN only where
// the column may be empty, negative only where it may fall), seconds
// from 0 to lim.span and never going back, phase labels kept once.
func compactSamples(from string, t *results.Table, b *budget) (*shardSamples, error) {
	seen := map[string]bool{}
	for _, h := range t.Header {
		if seen[h] {
			return nil, fmt.Errorf("%w: %s: its samples have the column %s twice: this is not what c1m-testbed writes", ErrInput, from, printable.Clip(h, 40))
		}
		seen[h] = true
	}
	s := &shardSamples{cols: make([][]float64, len(mergeHeader))}
	if t.Rows == 0 {
		return s, nil
	}
	s.secs = t.Columns["seconds"]
	if len(s.secs) != t.Rows {
		return nil, fmt.Errorf("%w: %s: its samples have no seconds column: this is not a samples.csv of c1m-testbed", ErrInput, from)
	}
	bad := func(row int, col, why string) error {
		return fmt.Errorf("%w: %s: its samples' row %d, column %s, %s: this is not what c1m-testbed writes (was the log edited?)", ErrInput, from, row+1, col, why)
	}
	prev := 0.0
	for k, v := range s.secs {
		switch {
		case !(v >= 0 && v <= b.lim.span):
			return nil, bad(k, "seconds", fmt.Sprintf("is %v, outside 0 to %.0f (%.0f h, the longest run merge takes)", v, b.lim.span, b.lim.span/3600))
		case v < prev:
			return nil, bad(k, "seconds", fmt.Sprintf("is %v, before the row above (%v)", v, prev))
		}
		prev = v
	}
	for j, name := range mergeHeader {
		vals, ok := t.Columns[name]
		if name == "seconds" || name == "phase" || !ok {
			continue
		}
		if len(vals) != t.Rows {
			return nil, bad(0, name, "has a different number of cells than the table has rows")
		}
		neg, empty := mayBeNegative(name), emptyColumns[name]
		for k, v := range vals {
			switch {
			case math.IsNaN(v) && empty:
			case math.IsNaN(v), math.IsInf(v, 0):
				return nil, bad(k, name, fmt.Sprintf("is %v, not a number", v))
			case math.Abs(v) > maxCount:
				return nil, bad(k, name, fmt.Sprintf("is %v, beyond 2^53", v))
			case v < 0 && !neg:
				return nil, bad(k, name, fmt.Sprintf("is %v, below 0", v))
			}
		}
		s.cols[j] = vals
	}
	if len(t.Phases) == t.Rows {
		s.phases = make([]string, t.Rows)
		for k, p := range t.Phases {
			l, err := b.label(from, p)
			if err != nil {
				return nil, err
			}
			s.phases[k] = l
		}
	}
	return s, nil
}

// seriesPeaks are the whole's peaks read off the merged series while it
// is written: what was established together at one instant.
type seriesPeaks struct {
	established, serverEstablished, timeWait, tcpMemPages, orphans float64
}

// seriesSpan checks that the merged series stays within lim: the shards'
// samples span at most lim.span seconds from t0 (the earliest shard's
// start), and visiting each shard for as long as it has samples costs at
// most lim.steps; it returns the number of rows the series will have.
func seriesSpan(runs []shardRun, t0 time.Time, lim limits) (int, error) {
	step := results.SampleInterval.Seconds()
	end := 0.0
	var steps int64
	for _, r := range runs {
		secs := r.samples.secs
		if len(secs) == 0 {
			continue
		}
		off := r.rec.Started.Sub(t0).Seconds()
		last := off + secs[len(secs)-1]
		if !(last <= lim.span) {
			return 0, fmt.Errorf("%w: %s: its samples end %.0f h after the first shard started, but merge takes runs of at most %.0f h: were these shards started together (--start-at)? Are they of one run?",
				ErrInput, r.from, last/3600, lim.span/3600)
		}
		end = max(end, last)
		steps += int64((secs[len(secs)-1]-secs[0])/step) + 3
		if steps > lim.steps {
			return 0, fmt.Errorf("%w: %s: the shards' samples cover more than %d intervals of %v together (%.0f shard-hours): merge fewer or shorter shards' results",
				ErrInput, r.from, lim.steps, results.SampleInterval, float64(lim.steps)*results.SampleInterval.Hours())
		}
	}
	return int(math.Floor(end/step+1e-9)) + 1, nil
}

// activeShard is a shard the merged series is going through.
type activeShard struct {
	i   int // index in runs
	k   int // its latest row at or before the current instant; -1 before its first
	off float64
}

// mergeSamples aligns the shards' samples on wall-clock time, one row
// every results.SampleInterval from t0 (the earliest shard's start) for rows
// rows, each shard contributing its latest row at or before that instant
// (nothing before its first; more than one interval after its last, its
// cumulative counts only), and combines them column by column. It hands
// each row to emit (the slice is reused) and returns the peaks.
//
// Each shard is visited only while it has samples; once it has ended its
// cumulative counts join a baseline added to every later row, so the
// work is the shards' own rows plus the merged rows, each times the
// columns (seriesSpan bounds both).
func mergeSamples(runs []shardRun, t0 time.Time, rows int, emit func(row []float64, phase string)) seriesPeaks {
	step := results.SampleInterval.Seconds()
	idx := map[string]int{}
	type kind struct{ cum, hostWide, max, empty bool }
	kinds := make([]kind, len(mergeHeader))
	for j, name := range mergeHeader {
		idx[name] = j
		kinds[j] = kind{cumulative(name), hostWideColumns[name], maxColumns[name], emptyColumns[name]}
	}
	base := make([]float64, len(mergeHeader)) // ended shards' cumulative counts
	host := hostsOf(runs)
	// Shards in order of their first row's merged instant.
	var starts []activeShard
	for i, r := range runs {
		if len(r.samples.secs) > 0 {
			off := r.rec.Started.Sub(t0).Seconds()
			starts = append(starts, activeShard{i: i, k: -1, off: off})
		}
	}
	firstStep := func(a activeShard) int {
		return max(0, int((a.off+runs[a.i].samples.secs[0])/step)-1)
	}
	slices.SortStableFunc(starts, func(a, b activeShard) int { return cmp.Compare(firstStep(a), firstStep(b)) })
	var active []activeShard // in shard order
	row := make([]float64, len(mergeHeader))
	var pk seriesPeaks
	for n := 0; n < rows; n++ {
		t := float64(n) * step
		// Shards that begin now join the active ones, kept in shard order
		// (the first active shard names the row's phase).
		joining := 0
		for joining < len(starts) && firstStep(starts[joining]) <= n {
			joining++
		}
		if joining > 0 {
			j := starts[:joining]
			starts = starts[joining:]
			slices.SortFunc(j, func(a, b activeShard) int { return cmp.Compare(a.i, b.i) })
			active = mergeByIndex(active, j, make([]activeShard, 0, len(active)+len(j)))
		}
		copy(row, base)
		for j, kd := range kinds {
			if kd.empty {
				row[j] = math.NaN()
			}
		}
		phase := ""
		kept := active[:0] // the shards still going, in place
		for _, a := range active {
			s := runs[a.i].samples
			ts := t - a.off
			for a.k+1 < len(s.secs) && s.secs[a.k+1] < ts+1e-9 {
				a.k++
			}
			if a.k < 0 {
				kept = append(kept, a)
				continue
			}
			if a.k == len(s.secs)-1 && ts > s.secs[a.k]+step {
				// Ended: its cumulative counts from now on are constant.
				for j, kd := range kinds {
					if vals := s.cols[j]; vals != nil && kd.cum && !math.IsNaN(vals[a.k]) {
						base[j] += vals[a.k]
						row[j] += vals[a.k]
					}
				}
				continue
			}
			kept = append(kept, a)
			if phase == "" && a.k < len(s.phases) {
				phase = s.phases[a.k]
			}
			for j, kd := range kinds {
				vals := s.cols[j]
				if vals == nil {
					continue
				}
				v := vals[a.k]
				switch {
				case kd.hostWide && host[a.i] != a.i:
					continue
				case math.IsNaN(v):
					continue
				case kd.max:
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
		active = kept
		for j := range row {
			row[j] = clampSample(row[j])
		}
		row[idx["seconds"]] = t
		at := func(name string) float64 {
			if j, ok := idx[name]; ok && !math.IsNaN(row[j]) {
				return row[j]
			}
			return 0
		}
		pk.established = max(pk.established, at("cli_established"))
		pk.serverEstablished = max(pk.serverEstablished, at("srv_established"))
		pk.timeWait = max(pk.timeWait, at("srv_tw")+at("cli_tw"))
		pk.tcpMemPages = max(pk.tcpMemPages, at("tcp_mem_pages"))
		pk.orphans = max(pk.orphans, at("srv_orphan"))
		emit(row, phase)
	}
	return pk
}

// mergeByIndex merges two lists sorted by shard index into out.
func mergeByIndex(a, b, out []activeShard) []activeShard {
	for len(a) > 0 && len(b) > 0 {
		if a[0].i < b[0].i {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

// applyPeaks takes the whole's peaks from the merged series: what was
// established together at one instant, not the sum of peaks that may
// have come at different times (a note says when those differ).
func applyPeaks(rec *results.Record, pk seriesPeaks, runs []shardRun) {
	sum := &rec.Summary
	sum.PeakEstablished = satInt(pk.established)
	sum.PeakServerEstablished = satInt(pk.serverEstablished)
	sum.PeakTimeWait = satInt(pk.timeWait)
	sum.PeakTCPMemPages = satInt(pk.tcpMemPages)
	sum.PeakOrphans = satInt(pk.orphans)
	if p := sumPeaks(runs); p != sum.PeakEstablished {
		rec.Notes = append(rec.Notes, fmt.Sprintf("the shards' peaks add up to %d, but at most %d were established together at a sampled instant (the shards did not hold their peaks at the same time: start them together with --start-at)", p, sum.PeakEstablished))
	}
}

// writeSeries merges the shards' samples into w as samples.csv and
// returns the peaks; a write error is returned after the whole series
// was gone through, so the peaks are there whatever happened to w.
func writeSeries(w io.Writer, runs []shardRun, t0 time.Time, rows int) (seriesPeaks, error) {
	cw := csv.NewWriter(w)
	_ = cw.Write(mergeHeader)
	cells := make([]string, len(mergeHeader))
	ends := make([]int, len(mergeHeader))
	var buf []byte
	pk := mergeSamples(runs, t0, rows, func(row []float64, phase string) {
		if cw.Error() != nil {
			return
		}
		buf = buf[:0]
		for j, name := range mergeHeader {
			switch v := row[j]; {
			case name == "phase":
			case name == "seconds":
				buf = strconv.AppendFloat(buf, v, 'f', 3, 64)
			case math.IsNaN(v):
			case v == math.Trunc(v) && math.Abs(v) < 1<<53:
				buf = strconv.AppendInt(buf, int64(v), 10)
			default:
				buf = strconv.AppendFloat(buf, v, 'f', 3, 64)
			}
			ends[j] = len(buf)
		}
		text := string(buf)
		start := 0
		for j, name := range mergeHeader {
			cells[j] = text[start:ends[j]]
			if name == "phase" {
				cells[j] = phase
			}
			start = ends[j]
		}
		_ = cw.Write(cells)
	})
	cw.Flush()
	if err := cw.Error(); err != nil {
		return pk, fmt.Errorf("failed to write the merged samples: %w", err)
	}
	return pk, nil
}
