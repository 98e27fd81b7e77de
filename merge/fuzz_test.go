package merge

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/merge/mergetest"
)

// fuzzLimits are defaultLimits with the span and the work cut
// to an hour, so that each input is merged in well under a second; the
// other bounds are the real ones (TestMergeLimits checks each).
var fuzzLimits = func() limits {
	l := defaultLimits
	l.span = 3600
	l.steps = 20_000
	return l
}()

// FuzzMergeLog feeds merge's log reader (and the whole merge behind it)
// with mutated logs: whatever the input, merge returns (an error wrapping
// ErrInput, or the merged record and samples) without panicking, within a few
// seconds and allocating no more than a bound set by the input's size.
// The seed corpus (two shards' log, and the inputs of issue 23's findings)
// runs with 'go test'; CI fuzzes it for a short budget.
func FuzzMergeLog(f *testing.F) {
	a, b := twoShards(f)
	f.Add(append(line(f, a), line(f, b)...))
	f.Add([]byte("progress only\n"))
	f.Add([]byte(`{"c1m_testbed_result":1,"run":{"histogram":[[1,2]]},"samples_csv":"seconds\n+Inf\n"}` + "\n"))
	for _, edit := range []func(c *mergetest.Case){
		func(c *mergetest.Case) { // a row at +Inf seconds
			editSamples(f, c, func(k int, cells []string, col map[string]int) {
				if k == 10 {
					cells[col["seconds"]] = "+Inf"
				}
			})
		},
		func(c *mergetest.Case) { c.Rec.Started = c.Rec.Started.Add(5 * 365 * 24 * time.Hour) },
		func(c *mergetest.Case) { c.Rec.Summary.Errors["ETIMEDOUT"] = -1 },
		func(c *mergetest.Case) { c.Part.Name = "../../x\x1b[2J" },
		func(c *mergetest.Case) { c.Rec.Phases[0].Name = "\r\x1b[2Jall expectations held" },
	} {
		a, b := twoShards(f)
		edit(&b)
		f.Add(append(line(f, a), line(f, b)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		log := filepath.Join(dir, "shards.log")
		if err := os.WriteFile(log, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		// A merge that never returns cannot fail the check below: crash
		// instead, so that the fuzzer keeps the input.
		hang := time.AfterFunc(60*time.Second, func() { panic(fmt.Sprintf("merge of %d bytes ran for a minute", len(data))) })
		defer hang.Stop()
		m, err := read([]string{log}, fuzzLimits)
		if err == nil {
			var samples bytes.Buffer
			err = m.WriteSamples(&samples)
		}
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil && !errors.Is(err, ErrInput) {
			t.Errorf("merge = %v, want nil or ErrInput", err)
		}
		// An hour of merged rows, three histograms a phase and the input
		// decoded a few times over.
		limit := uint64(128<<20 + 256*len(data))
		if got := after.TotalAlloc - before.TotalAlloc; got > limit {
			t.Errorf("merge of %d bytes allocated %d MiB, more than %d MiB", len(data), got>>20, limit>>20)
		}
		if took > 10*time.Second {
			t.Errorf("merge of %d bytes took %v", len(data), took)
		}
	})
}
