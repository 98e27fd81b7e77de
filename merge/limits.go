package merge

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// limits bound what merge reads and builds: the logs it reads come
// from remote pods and are treated as hostile, so every size, count and
// span is checked before anything is allocated from it. Read uses
// defaultLimits; tests lower them.
type limits struct {
	line      int     // bytes of one result line
	logFile   int64   // bytes of one log file
	shards    int     // shards (result lines and directories) in all
	shardRows int     // rows of one shard's samples
	columns   int     // columns of one shard's samples
	cells     int64   // rows × merged columns, over every shard
	steps     int64   // shard-intervals the merged series visits, over every shard
	span      float64 // seconds from the first shard's start to the last sample
	phases    int     // phases of one shard
	recValues int64   // JSON values (keys, elements, containers) of one record, histograms aside
	values    int64   // the same, over every shard
	recBytes  int64   // bytes of every shard's run record together
	keys      int     // keys of one counter map (errors, counters, kernel messages, statuses)
	labels    int     // distinct phase labels in the samples, over every shard
	labelLen  int     // bytes of one phase label
}

// defaultLimits are the bounds of a real fleet's results, with room.
var defaultLimits = limits{
	// A run of 100 h sampled every 500 ms has 720,000 rows; a row of a
	// million-connection run is about 300 bytes (55 columns), so its
	// samples are some 220 MB (results.MaxSamplesSize allows 512 MiB in a
	// directory), and its run.json rarely 1 MB: 320 MiB.
	line: 320 << 20,
	// kubectl logs of a fleet: 100 pods' result lines of a few MB each
	// plus their progress lines (one a second, ~100 bytes, for 100 h is
	// 36 MB a pod): 4 GiB leaves room and reads in seconds.
	logFile: 4 << 30,
	// A Kubernetes Indexed Job has at most 100,000 completions.
	shards: scenarios.MaxShards,
	// 100 h every 500 ms, as results.ReadSamples allows.
	shardRows: results.MaxSampleRows,
	// This version writes 55 columns; results.ReadSamples allows 256 for
	// columns added later (merge keeps only those it knows).
	columns: results.MaxSampleColumns,
	// 2^27 cells of 8 bytes is 1 GiB in memory: 100 shards of 4 h, or 20
	// shards of 20 h, or one shard of 100 h with room to spare.
	cells: 1 << 27,
	// Each shard is visited once per 500 ms while it has samples: about
	// its own rows, so the 2.4M shard-rows cells allow (2^27 / 55), with
	// room for samplers that lagged.
	steps: 4 << 20,
	// 100 h, as rows: shards of one run start within seconds of each
	// other (--start-at), so their samples never span more.
	span: 100 * 3600,
	// Built-in scenarios have at most a dozen phases; 256 leaves room for
	// generated ones. Each phase holds up to three latency histograms of
	// 17 KB in memory.
	phases: scenarios.MaxPhases,
	// A shard's run.json holds a few thousand JSON values (30 a process,
	// of at most 2 × 2,000; 30 a phase; the sysctl lists); 2^19 values
	// decode to at most ~150 MB.
	recValues: 1 << 19,
	// 2^23 values over all shards: 1,000 shards of 8,000 values each.
	values: 1 << 23,
	// 1,000 shards' records of 1 MB each.
	recBytes: 1 << 30,
	// Linux has ~134 errno names and ~130 TcpExt counters: 1,000 keys.
	// With every count at most maxCount (2^53), the sum of a whole map
	// stays below 2^63 (1,024 × 2^53).
	keys: 1000,
	// Phase labels are the scenario's phase names: every shard has the same.
	labels: 4 * 256,
	// A phase name is a short word ("connect-1", "hold-2").
	labelLen: 1024,
}

// maxCount is the largest count (connections, errors, bytes, messages)
// merge accepts or writes: 2^53, the largest integer a float64 (and a
// JSON reader in JavaScript) holds exactly, and far beyond any run (a
// million connections retrying every millisecond for 100 h make 3.6e14
// errors). Merged totals saturate at it instead of wrapping.
const maxCount = 1 << 53

// histogramValues bounds the JSON values of one serialised histogram:
// 2,112 [index, count] pairs (countJSON counts 4 for each: the array
// twice, its comma and the one before the next pair) plus its eight
// other fields and the object and list around them.
const histogramValues = 4*histogram.Buckets + 32

// satAdd returns a+b for counts, saturated at maxCount (each counted from
// 0: a negative count, refused on input, counts as 0). Not sat.Add: merged
// counts stop at 2^53, where samples.csv's floats still hold them exactly.
func satAdd(a, b int64) int64 {
	a, b = min(max(a, 0), maxCount), min(max(b, 0), maxCount)
	return min(a+b, maxCount)
}

// satAddInt is satAdd for int counts.
func satAddInt(a, b int) int {
	return int(satAdd(int64(a), int64(b)))
}

// satInt converts a merged sample value to a count: NaN and negatives are
// 0, anything above maxCount is maxCount.
func satInt(v float64) int64 {
	if math.IsNaN(v) || v <= 0 {
		return 0
	}
	if v >= maxCount {
		return maxCount
	}
	return int64(v)
}

// clampSample bounds a merged sample cell to ±maxCount (NaN stays NaN).
func clampSample(v float64) float64 {
	return max(min(v, maxCount), -maxCount)
}

// mergeHistogram adds o into h unless a total would wrap (2^64
// recordings, or 584 years of summed latency: no real run), which it
// reports instead, leaving h unchanged.
func mergeHistogram(h, o *histogram.Histogram) bool {
	if _, c := bits.Add64(h.Count(), o.Count(), 0); c != 0 {
		return false
	}
	if _, c := bits.Add64(uint64(h.Sum()), uint64(o.Sum()), 0); c != 0 {
		return false
	}
	h.Merge(o)
	return true
}

// jsonCount is what decoding a JSON document will allocate, counted from
// its bytes without decoding it: values (every key, element and
// container) outside histograms, the values inside them, and the
// histograms themselves (the values of a key that encoding/json matches
// to "histogram": each decodes to a fixed 17 KB).
type jsonCount struct {
	values, inHistograms, histograms int64
}

// countJSON counts data's values as jsonCount says. It is an upper bound
// for any data: strings are skipped (escapes included), and outside them
// every ',' and ':' counts one and every '{' and '[' two (the container
// and its first element), which is at least the keys, elements and
// containers encoding/json would make. It allocates nothing but the rare
// escaped key it must unescape.
func countJSON(data []byte) jsonCount {
	var c jsonCount
	depth := 0
	histDepth := -1      // depth of the histogram value being read; -1 outside
	pendingHist := false // the last key was "histogram": its value is next
	count := func(n int64) {
		if histDepth >= 0 {
			c.inHistograms += n
		} else {
			c.values += n
		}
	}
	for i := 0; i < len(data); i++ {
		switch b := data[i]; b {
		case '"':
			start := i + 1
			escaped := false
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					escaped = true
					i++
				}
			}
			end := min(i, len(data))
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
				j++
			}
			isKey := j < len(data) && data[j] == ':'
			switch {
			case isKey && histDepth < 0:
				pendingHist = isHistogramKey(data[start:end], escaped, data[start-1:min(end+1, len(data))])
			case pendingHist:
				c.histograms++ // a string where a histogram goes: refused later, counted now
				pendingHist = false
			}
		case '{', '[':
			depth++
			if pendingHist && histDepth < 0 {
				histDepth = depth
				c.histograms++
			}
			pendingHist = false
			count(2)
		case '}', ']':
			if depth == histDepth {
				histDepth = -1
			}
			depth--
			pendingHist = false
		case ',', ':':
			count(1)
		default:
			if pendingHist && b > ' ' {
				c.histograms++ // null, or a number where a histogram goes
				pendingHist = false
			}
		}
	}
	return c
}

// isHistogramKey reports whether a key (its raw bytes between the
// quotes, and quoted with them) names results.Latency's histogram field
// as encoding/json matches names: case-folded, escapes read.
func isHistogramKey(raw []byte, escaped bool, quoted []byte) bool {
	const name = "histogram"
	if !escaped {
		return len(raw) <= 3*len(name) && strings.EqualFold(string(raw), name)
	}
	if len(quoted) > 6*len(name)+2 {
		return false // longer than every escape of the name
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return false
	}
	return strings.EqualFold(s, name)
}

// budget tracks what the shards read so far take, against limits.
type budget struct {
	lim                  limits
	shards               int
	cells, steps, values int64
	recBytes             int64
	labels               map[string]string          // phase labels, each kept once
	names                map[string]map[string]bool // names of each counter map, over every shard
}

func newBudget(lim limits) *budget {
	return &budget{lim: lim, labels: map[string]string{}, names: map[string]map[string]bool{}}
}

// counterNames checks that the names of counter map what, over every
// shard so far, are at most lim.keys: then no merged map's total (what
// "errors-absent *" adds up) can pass 2^63.
func (b *budget) counterNames(from, what string, m map[string]int64) error {
	set := b.names[what]
	if set == nil {
		set = map[string]bool{}
		b.names[what] = set
	}
	for k := range m {
		if !set[k] {
			if len(set) >= b.lim.keys {
				return fmt.Errorf("%w: %s: the shards' %s have more than %d names together, more than a run counts: they are not c1m-testbed results", ErrInput, from, what, b.lim.keys)
			}
			set[k] = true
		}
	}
	return nil
}

// record checks a shard's run record (its JSON, before decoding it)
// against the limits, and counts it.
func (b *budget) record(from string, data []byte) error {
	b.shards++
	if b.shards > b.lim.shards {
		return fmt.Errorf("%w: %s: more than %d shards: no Kubernetes Indexed Job has more; give each shard once", ErrInput, from, b.lim.shards)
	}
	b.recBytes += int64(len(data))
	if b.recBytes > b.lim.recBytes {
		return fmt.Errorf("%w: %s: the shards' run records take more than %d MiB together: merge handles fleets of up to about 1,000 shards", ErrInput, from, b.lim.recBytes>>20)
	}
	c := countJSON(data)
	maxHist := int64(3 + 3*b.lim.phases)
	switch {
	case c.histograms > maxHist:
		return fmt.Errorf("%w: %s: its run record holds %d latency histograms, more than a run of %d phases can (%d): it is not a c1m-testbed record", ErrInput, from, c.histograms, b.lim.phases, maxHist)
	case c.inHistograms > c.histograms*histogramValues:
		return fmt.Errorf("%w: %s: its latency histograms hold more values than %d buckets can: it is not a c1m-testbed record", ErrInput, from, histogram.Buckets)
	case c.values > b.lim.recValues:
		return fmt.Errorf("%w: %s: its run record holds %d JSON values, more than a shard's record has (at most %d)", ErrInput, from, c.values, b.lim.recValues)
	}
	b.values += c.values
	if b.values > b.lim.values {
		return fmt.Errorf("%w: %s: the shards' run records hold more than %d JSON values together: merge handles fleets of up to about 1,000 shards", ErrInput, from, b.lim.values)
	}
	return nil
}

// samples checks the size of a shard's samples.csv (its header's column
// count and an upper bound of its rows) before it is parsed, and counts
// its cells.
func (b *budget) samples(from string, columns, rows int) error {
	switch {
	case columns > b.lim.columns:
		return fmt.Errorf("%w: %s: its samples have %d columns, more than samples.csv has (at most %d)", ErrInput, from, columns, b.lim.columns)
	case rows > b.lim.shardRows:
		return fmt.Errorf("%w: %s: its samples have more than %d rows (%.0f h every %v): no shard's run is that long", ErrInput, from, b.lim.shardRows, float64(b.lim.shardRows)*results.SampleInterval.Hours(), results.SampleInterval)
	}
	b.cells += int64(rows) * int64(len(mergeHeader))
	if b.cells > b.lim.cells {
		return fmt.Errorf("%w: %s: the shards' samples hold more than %d cells together (%d MiB in memory): merge fewer or shorter shards' results", ErrInput, from, b.lim.cells, b.lim.cells*8>>20)
	}
	return nil
}

// label returns the one kept copy of a phase label, or an error when
// there are too many or it is too long.
func (b *budget) label(from, s string) (string, error) {
	if k, ok := b.labels[s]; ok {
		return k, nil
	}
	if len(s) > b.lim.labelLen {
		return "", fmt.Errorf("%w: %s: a phase name in its samples is %d bytes long (at most %d)", ErrInput, from, len(s), b.lim.labelLen)
	}
	if len(b.labels) >= b.lim.labels {
		return "", fmt.Errorf("%w: %s: the shards' samples name more than %d phases: they are not the shards of one run", ErrInput, from, b.lim.labels)
	}
	k := strings.Clone(s)
	b.labels[k] = k
	return k, nil
}
