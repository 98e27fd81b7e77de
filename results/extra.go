package results

import "time"

// SampleInterval is how often a run samples every metric: the cadence of
// samples.csv's rows, which merge aligns the shards' rows on.
const SampleInterval = 500 * time.Millisecond

// Keys of run.json's extra map that clients in place and merge fill
// (docs/results.md), and the values of ExtraMode.
const (
	// ExtraMode is ModeClients for a run of clients in place, ModeMerged
	// for a merge of shards.
	ExtraMode = "mode"
	// ExtraShard is the shard, "I/N".
	ExtraShard = "shard"
	// ExtraTarget is the target, as scenarios.ParseTarget reads it.
	ExtraTarget = "target"
	// ExtraShards lists the merged shards' run ids (merge).
	ExtraShards = "merged_shards"
	// ModeClients is ExtraMode's value for clients in place.
	ModeClients = "clients"
	// ModeMerged is ExtraMode's value for a merge of shards.
	ModeMerged = "merged"
)
