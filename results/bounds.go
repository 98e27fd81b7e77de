package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/internal/printable"
)

// ErrOutOfBounds means a results directory holds more than any real run
// writes (a file, a line, a count or a span beyond its bound): it was
// refused before it was read into memory. The message names the bound.
// report and compare exit with status 2.
var ErrOutOfBounds = errors.New("results beyond the bounds of a real run")

// Bounds of what report and compare read. Each is derived from what a real
// run writes, with room to spare; docs/security.md and docs/results.md
// list them.
const (
	// MaxRecordSize bounds run.json: 20,000 workers (10,000 per role, the
	// scenario's cap) each with a full 4 KiB stderr tail are about 90 MB;
	// everything else a run records (2 × 2,000 role processes, 200 kernel
	// lines, histograms, a 1 MiB scenario's body and plan) is a few MB more.
	MaxRecordSize = 128 << 20

	// MaxRecordMemory bounds what decoding run.json may allocate, estimated
	// in one pass before decoding (recordCost): the record above costs about
	// 150 MB; a file of tiny values ("[[],[],…]") costs up to 30 times its
	// size and is refused here rather than decoded.
	MaxRecordMemory = 256 << 20

	// MaxJSONDepth bounds the nesting of run.json: a scenario nests at most
	// 16 levels (scenarios.MaxNesting), the record itself 6 around it.
	MaxJSONDepth = 64

	// MaxObjectKeys bounds the members of one JSON object: the largest
	// real ones are the environment maps of a scenario, whose argv and
	// environment fit in 128 KiB (ARG_MAX per string), at least 3 bytes
	// ("k=\0") per entry: 43,690.
	MaxObjectKeys = 65536

	// MaxPhases bounds run.json's phases: the built-in scenarios have at
	// most 4; a scenario of 1,000 phases is far beyond any lab.
	MaxPhases = 1000

	// MaxHistograms bounds the latency histograms in run.json (16,936 bytes
	// each in memory, from as little as 100 bytes of JSON): three per phase
	// (connect, handshake, round trip) and three for the whole run.
	MaxHistograms = 3*MaxPhases + 3

	// MaxSectionSize bounds run.json's scenario_body and plan, decoded
	// generically: a scenario file is at most 1 MiB (scenarios.MaxFileSize)
	// and its JSON form or plan at most a few times that.
	MaxSectionSize = 4 << 20

	// MaxSamplesSize bounds samples.csv: 720,000 rows (MaxSampleRows) of
	// today's 55 columns are about 220 MB (300 bytes a row at a million
	// connections); 512 MiB allows 745 bytes a row.
	MaxSamplesSize = 512 << 20

	// MaxSampleLine bounds one record of samples.csv: today's rows are
	// about 300 bytes, at most 55 columns of 21 characters (1.2 KB);
	// 256 columns (MaxSampleColumns) of 256 bytes each fit.
	MaxSampleLine = 64 << 10

	// MaxSampleColumns bounds samples.csv's header: today's has 55
	// columns; older files fewer.
	MaxSampleColumns = 256

	// MaxSampleRows bounds samples.csv's rows: a run of 100 h sampled every
	// 500 ms has 720,000.
	MaxSampleRows = 720_000

	// MaxSampleCells bounds rows × columns read (8 bytes each in memory):
	// 100 h of today's 55 columns are 39.6M cells; 52M (about 420 MB)
	// leaves room for 17 more columns.
	MaxSampleCells = 52_000_000

	// MaxSampleSeconds bounds the seconds column: a row more than 115 days
	// from the run's start is malformed (100 h is 360,000 s) and left out.
	MaxSampleSeconds = 1e7

	// MaxSampleValue bounds every other cell: counters are int64 (at most
	// 9.2e18); a larger, infinite or NaN value is read as an empty cell.
	MaxSampleValue = 1e19
)

// outOfBounds returns an ErrOutOfBounds error saying which bound.
func outOfBounds(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrOutOfBounds, fmt.Sprintf(format, args...))
}

// Costs of decoded JSON values for recordCost: an upper bound of what
// encoding/json allocates for each (a generic []any element is a 16-byte
// interface and its boxed value; a map member a bucket slot and a key).
const (
	costElement = 48
	costMember  = 96
	costString  = 16
)

// recordCost checks the shape of run.json in one pass, before anything is
// decoded: nesting depth, members per object, phases, histograms, the size
// of scenario_body and plan, and the memory decoding would take. It never
// allocates in proportion to data. Malformed JSON passes (the decoder
// refuses it, or the salvage reads what it can); only bounds fail, with
// ErrOutOfBounds.
func recordCost(data []byte) error {
	_, err := recordCostOf(data)
	return err
}

// recordCostOf is recordCost returning the estimate, in bytes.
func recordCostOf(data []byte) (int64, error) {
	type frame struct {
		object bool
		count  int    // members or elements so far
		key    string // for a value at depth 1: its key
		start  int    // offset of the container's opening byte
	}
	var (
		stack      []frame
		cost       int64
		histograms int
		lastKey    string // the most recent object key (its first 32 bytes)
		lastKeyAt  int    // the depth at which lastKey was read
	)
	top := func() *frame { return &stack[len(stack)-1] }
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch c {
		case '"':
			j, escaped := i+1, false
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			s := data[min(i+1, len(data)):min(j, len(data))]
			cost += costString + int64(len(s))
			// A string followed by ':' is an object key.
			k := j + 1
			for k < len(data) && isSpace(data[k]) {
				k++
			}
			if k < len(data) && data[k] == ':' && len(stack) > 0 && top().object {
				key := string(s[:min(len(s), 32)])
				// The keys that matter are at most 13 characters, 78
				// bytes written as \uXXXX escapes: a longer key is not
				// unescaped (nor copied whole).
				if escaped && len(s) <= 128 {
					var u string
					if json.Unmarshal(data[i:min(j+1, len(data))], &u) == nil {
						key = u[:min(len(u), 32)]
					}
				}
				// encoding/json matches keys without regard to case.
				if strings.EqualFold(key, "histogram") {
					histograms++
					cost += histogram.Size
					if histograms > MaxHistograms {
						return cost, outOfBounds("it holds more than %d latency histograms (3 per phase and 3 for the run)", MaxHistograms)
					}
				}
				lastKey, lastKeyAt = key, len(stack)
			}
			i = j
		case '{', '[':
			if len(stack) >= MaxJSONDepth {
				return cost, outOfBounds("it nests deeper than %d levels", MaxJSONDepth)
			}
			f := frame{object: c == '{', start: i}
			cost += costElement
			if len(stack) == 1 && lastKeyAt == 1 {
				f.key = lastKey
			}
			stack = append(stack, f)
		case '}', ']':
			if len(stack) == 0 {
				return cost, nil // malformed: the decoder says so
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 1 && (strings.EqualFold(f.key, "plan") || strings.EqualFold(f.key, "scenario_body")) && i-f.start > MaxSectionSize {
				return cost, outOfBounds("its %s is larger than %d MiB (a scenario is at most 1 MiB)", printable.String(f.key), MaxSectionSize>>20)
			}
		case ',':
			if len(stack) == 0 {
				continue
			}
			f := top()
			f.count++
			if f.object {
				cost += costMember
				if f.count >= MaxObjectKeys {
					return cost, outOfBounds("an object has more than %d members", MaxObjectKeys)
				}
			} else {
				cost += costElement
				if len(stack) == 2 && strings.EqualFold(f.key, "phases") && f.count >= MaxPhases {
					return cost, outOfBounds("it has more than %d phases", MaxPhases)
				}
			}
		default:
			cost++
		}
		if cost > MaxRecordMemory {
			return cost, outOfBounds("decoding it would take more than %d MiB of memory (too many small values)", MaxRecordMemory>>20)
		}
	}
	return cost, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
