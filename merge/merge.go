// Package merge puts the results of the N shards of one run ('c1m-testbed
// clients --shard I/N', results directories or the result lines of their
// logs) back together into one run: samples aligned on wall-clock time
// and summed, latency histograms merged, errors and counters summed, and
// the whole scenario's expectations (the shards' parts put back together,
// scenarios.Unshard) checked on the whole by verdict.
//
// The inputs are hostile (logs of remote pods): every size, count and
// span is checked against defaultLimits before it is allocated (ErrInput
// says which), totals saturate at 2^53 instead of wrapping, and
// everything quoted from the inputs is escaped. merge reads only the
// inputs it is named and writes only to the writer it is handed; where
// the merged run goes and how it is shown is its caller's.
package merge

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/verdict"
)

// ErrInput marks inputs merge cannot combine: not results, results that
// are not shards of one run, a shard missing or twice, or beyond merge's
// bounds.
var ErrInput = errors.New("these results cannot be merged")

// Run is the run the shards make together, read and checked: its record
// complete but for what comes from the merged samples (the peaks, the
// expectations and the verdict), which WriteSamples fills in.
type Run struct {
	// Record is the merged run's record. Its RunID is empty: the caller
	// names the merged run.
	Record *results.Record
	// Scenario is the whole scenario, the shards' parts put back together.
	Scenario *scenarios.Scenario

	runs []shardRun // in shard order
	rows int        // rows of the merged samples
}

// Read reads the results of every shard of one run, each input a shard's
// results directory or a file of output (kubectl logs) holding result
// lines, checks them within merge's bounds and puts them together. Every
// shard 0..N-1 must be there, once; an error wraps ErrInput when the
// inputs are at fault.
func Read(inputs []string) (*Run, error) {
	return read(inputs, defaultLimits)
}

// read is Read within lim.
func read(inputs []string, lim limits) (*Run, error) {
	l, err := loadShardRuns(inputs, lim)
	if err != nil {
		return nil, err
	}
	runs, whole, err := orderShards(l.runs)
	if err != nil {
		return nil, err
	}
	rec := mergeRecords(runs, whole, &l.lat)
	rows, err := seriesSpan(runs, rec.Started, lim)
	if err != nil {
		return nil, err
	}
	return &Run{Record: rec, Scenario: whole, runs: runs, rows: rows}, nil
}

// WriteSamples writes the merged samples to w as samples.csv and
// completes the Record from them: the peaks held together at one instant,
// the whole scenario's expectations and whether the run passed. The
// Record is complete even when writing to w fails, which it returns.
func (m *Run) WriteSamples(w io.Writer) error {
	peaks, err := writeSeries(w, m.runs, m.Record.Started, m.rows)
	rec := m.Record
	applyPeaks(rec, peaks, m.runs)
	rec.Expectations = verdict.Check(m.Scenario.Expect, m.Scenario.Topology, rec.Summary, rec.Phases, rec.Counters)
	rec.Passed = verdict.Passed(rec.Expectations) && rec.Failure == ""
	return err
}

// Shards is the number of shards merged.
func (m *Run) Shards() int { return len(m.runs) }

// PeaksAdded is the shards' own peaks of established connections added
// up: more than Record's peak when the shards did not hold their peaks at
// the same time.
func (m *Run) PeaksAdded() int64 { return sumPeaks(m.runs) }

// orderShards checks that runs are the shards 0..N-1 of one scenario,
// each once, and returns them in order with the whole scenario.
func orderShards(runs []shardRun) ([]shardRun, *scenarios.Scenario, error) {
	count := 0
	byIndex := map[int]shardRun{}
	for _, r := range runs {
		sh := r.shard
		if count == 0 {
			count = sh.Count
		}
		if sh.Count != count {
			return nil, nil, fmt.Errorf("%w: %s is shard %s, another input is of %d shards: merge the shards of one run", ErrInput, r.from, sh, count)
		}
		if prev, dup := byIndex[sh.Index]; dup {
			return nil, nil, fmt.Errorf("%w: shard %s twice: %s and %s", ErrInput, sh, prev.from, r.from)
		}
		byIndex[sh.Index] = r
	}
	var missing []string
	nMissing := 0
	ordered := make([]shardRun, 0, len(byIndex))
	parts := make([]*scenarios.Scenario, 0, len(byIndex))
	for i := 0; i < count; i++ {
		r, ok := byIndex[i]
		if !ok {
			if nMissing++; nMissing <= 10 {
				missing = append(missing, fmt.Sprint(i))
			}
			continue
		}
		ordered = append(ordered, r)
		parts = append(parts, r.part)
	}
	if nMissing > 10 {
		missing = append(missing, fmt.Sprintf("… (%d in all)", nMissing))
	}
	if nMissing > 0 {
		return nil, nil, fmt.Errorf("%w: shards %s of %d are missing: give every shard's results (a failed pod's log too)", ErrInput, strings.Join(missing, ", "), count)
	}
	whole, err := scenarios.Unshard(parts)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return ordered, whole, nil
}

// decodeScenario reads a scenario_body back (it was written from a
// scenarios.Scenario).
func decodeScenario(body any) (*scenarios.Scenario, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var sc scenarios.Scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, err
	}
	return &sc, nil
}
