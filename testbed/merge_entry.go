package testbed

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/merge"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// MergeOptions configure Merge.
type MergeOptions struct {
	// Inputs are results directories of shards, or log files holding
	// their result lines ('clients --json' under 'kubectl logs').
	Inputs []string
	// OutDir is the merged results directory; "" means
	// results/<scenario>-merged-<UTC time> (results/merged-<UTC time>
	// when the scenario's name is not a plain name, see resultsDirName).
	OutDir string
	// Progress receives the merged verdict; nil means quiet.
	Progress io.Writer
	// NoReport skips rendering report.html/report.md.
	NoReport bool
}

// Merge combines the results of the N shards of one run ('c1m-testbed
// clients --shard I/N') into one run with merge.Read, and writes its
// outcome as every run does (writeOutcome): run.json, samples.csv and the
// report into OutDir, and the verdict to Progress. An input merge cannot
// combine is an error wrapping merge.ErrInput; the default directory's
// name never comes from input as is, and everything printed from the
// inputs is escaped.
func Merge(opt MergeOptions) (*Outcome, error) {
	return mergeAt(opt, time.Now())
}

// mergeAt is Merge at now (for the default directory's name).
func mergeAt(opt MergeOptions, now time.Time) (*Outcome, error) {
	m, err := merge.Read(opt.Inputs)
	if err != nil {
		return nil, err
	}
	rec := m.Record
	rec.RunID = topology.NewRunID()
	dir := opt.OutDir
	if dir == "" {
		var note string
		dir, note = resultsDirName(m.Scenario.Name, "-merged", "", now, true)
		if note != "" {
			rec.Notes = append(rec.Notes, note)
			if opt.Progress != nil {
				fmt.Fprintf(opt.Progress, "c1m-testbed merge: %s\n", note) // its name is escaped already
			}
		}
	}
	out, err := results.CreateDir(dir)
	if err != nil {
		return nil, fmt.Errorf("results directory (--out): %w", err)
	}
	defer out.Close()
	var writeErrs []string
	var samplesOut io.Writer = io.Discard
	f, err := out.CreateStream(results.SamplesFile)
	if err != nil {
		writeErrs = append(writeErrs, fmt.Sprintf("failed to create the merged samples file: %v", err))
	} else {
		samplesOut = f
	}
	werr := m.WriteSamples(samplesOut)
	if f != nil {
		if err := f.Close(); werr == nil && err != nil {
			werr = fmt.Errorf("failed to write the merged samples: %w", err)
		}
	}
	if werr != nil {
		writeErrs = append(writeErrs, werr.Error())
	}
	p := newProgress(opt.Progress, false)
	p.printf("c1m-testbed merge: %d shards of %s (%s)", m.Shards(), printable.Clip(m.Scenario.Name, 200), shardIDs(rec))
	peak := fmt.Sprintf("peak %d established together (the shards' peaks add up to %d), ramp %.1fs (%.0f conn/s)",
		rec.Summary.PeakEstablished, m.PeaksAdded(), rec.Summary.RampSeconds, rec.Summary.ConnectsPerSecond)
	return writeOutcome(p, out, rec, nil, peak, writeErrs, opt.NoReport), nil
}

// shardIDs lists the merged shards' run ids for the verdict: at most 8,
// each escaped.
func shardIDs(rec *results.Record) string {
	ids := strings.Split(rec.Extra[results.ExtraShards], ",")
	if len(ids) > 8 {
		ids = append(ids[:8], fmt.Sprintf("… %d in all", len(ids)))
	}
	for i, id := range ids {
		ids[i] = printable.Clip(id, 64)
	}
	return strings.Join(ids, ",")
}
