// Package histogram is a fixed-size, mergeable, log-linear histogram of
// durations in the style of HdrHistogram, for connect latency and message
// round trips recorded on the epoll workers' event path.
//
// # Layout
//
// Values are nanoseconds (time.Duration), shifted right by 4 into units of
// 16 ns. Units 0..127 (0 to 2 µs) each have their own bucket; above, each
// power of two of units [2^k, 2^(k+1)), k = 7..37, is split into 64 equal
// buckets. That is 64 × 33 = 2112 buckets covering 0 to Top = 2^42 − 1 ns
// (about 73 minutes). The bucket of a value is a leading-zeros count and
// a few shifts (indexOf), without a branch; there is no map, no floating
// point and no allocation.
//
// # Precision
//
// A bucket is at most 1/64 as wide as its lowest value from 1024 ns up,
// and 16 ns wide below. Every value this package reports for a bucket is
// the bucket's midpoint, kept within the exact Min and Max, so a reported
// percentile is within 1/128 (0.79%, better than two significant digits)
// of the exact answer (the recording of that rank in sorted order) for
// values of 1024 ns and more, and within 8 ns below that. Values below
// 1 µs are not clamped to one bucket: they keep the 16 ns resolution,
// which costs no extra buckets. A negative value is recorded as 0; a value
// above Top is recorded as Top and counted in Overflow. Count, Min, Max,
// Sum and Mean are exact (of the clamped values).
//
// # Size
//
// A Histogram is a value type: [2112]uint64 counts and five uint64 totals,
// 16,936 bytes (Size), the same for every histogram, with no pointers, so
// `prev = cur` is a snapshot. Counts are uint64 because uint32 would not
// hold long runs exactly: a uint32 bucket holds 4.29e9 recordings, which
// a heartbeat of 1M connections × one message every 10 s (100,000
// messages/s) fills in 12 hours in the orchestrator's merged histogram if
// its RTTs share a bucket, and one worker echoing flat out at 1M
// messages/s in 72 minutes. uint64 counts
// never wrap (584,000 years at 1M/s), so Merge is exact without
// saturation checks. A worker with a connect and an RTT histogram and a
// snapshot of each holds 68 KB, against tens of MB of connection table.
//
// # Use on the event path
//
// Record and RecordN are an index computation, an increment and four
// totals; they do not allocate (BenchmarkRecord, TestRecordAllocs).
// Histograms merge exactly by adding counts (Merge), so per-worker
// histograms combine into a phase's, and shards' into a run's. For
// per-interval figures (a p99 column in samples.csv) a worker either
// records each interval into its own histogram, merges it into the
// cumulative one and resets it (exact Min and Max), or keeps copies of the
// cumulative histogram and takes Delta(cur, prev) (Min and Max within a
// bucket). A Histogram is owned by one goroutine, like the connection
// table: it has no locks.
//
// # Reading it
//
// ValueAt(q) has HdrHistogram's meaning: the value at or below which a
// fraction q of the recordings fall. Percentiles gives Count, p50, p90,
// p99, p99.9 and Max in one pass; Distribution gives (percentile, value)
// points evenly spaced on HdrHistogram's log axis of 1/(1 − p) for the
// percentile-distribution chart. MarshalJSON writes a sparse form
// ({"unit":"ns","sig":2,...,"counts":[[index,count],...]}) for the control
// protocol and run.json; UnmarshalJSON reads it back exactly and refuses
// anything malformed with an error wrapping ErrMalformed.
//
// # Why written here
//
// No HdrHistogram module is in the set this project builds with, and the
// Go one (HdrHistogram/hdrhistogram-go) would not be a better fit: it
// sizes its counts as an []int64 at run time (3,328 counts, 26 KB, for
// 1 µs to 1 h at two significant digits in units of 1 µs, where 10 µs is
// only 10% precise), it reports a bucket's highest equivalent value (twice
// the error of the midpoint), and its JSON-friendly Snapshot carries every
// count, the compact form being base64 of a compressed binary. The layout
// here is a few dozen lines, tested bucket by bucket; owning it keeps the
// serialised form readable, sparse and stable, and the event path free of
// allocations.
//
// The package is pure: no system calls, no clock.
package histogram
