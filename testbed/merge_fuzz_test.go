package testbed

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// fuzzMergeLimits are defaultMergeLimits with the span and the work cut
// to an hour, so that each input is merged in well under a second; the
// other bounds are the real ones (TestMergeLimits checks each).
var fuzzMergeLimits = func() mergeLimits {
	l := defaultMergeLimits
	l.span = 3600
	l.steps = 20_000
	return l
}()

// FuzzMergeLog feeds merge's log reader (and the whole merge behind it)
// with mutated logs: whatever the input, merge returns (an error wrapping
// ErrMergeInput, or a merged directory) without panicking, within a few
// seconds and allocating no more than a bound set by the input's size.
// The seed corpus (two shards' log, and the inputs of issue 23's findings)
// runs with 'go test'; CI fuzzes it for a short budget.
func FuzzMergeLog(f *testing.F) {
	a, b := twoShards(f)
	f.Add(append(a.line(f), b.line(f)...))
	f.Add([]byte("progress only\n"))
	f.Add([]byte(`{"c1m_testbed_result":1,"run":{"histogram":[[1,2]]},"samples_csv":"seconds\n+Inf\n"}` + "\n"))
	for _, edit := range []func(c *shardCase){
		func(c *shardCase) { // a row at +Inf seconds
			editSamples(f, c, func(k int, cells []string, col map[string]int) {
				if k == 10 {
					cells[col["seconds"]] = "+Inf"
				}
			})
		},
		func(c *shardCase) { c.rec.Started = c.rec.Started.Add(5 * 365 * 24 * time.Hour) },
		func(c *shardCase) { c.rec.Summary.Errors["ETIMEDOUT"] = -1 },
		func(c *shardCase) { c.part.Name = "../../x\x1b[2J" },
		func(c *shardCase) { c.rec.Phases[0].Name = "\r\x1b[2Jall expectations held" },
	} {
		a, b := twoShards(f)
		edit(&b)
		f.Add(append(a.line(f), b.line(f)...))
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
		var out bytes.Buffer
		_, err := merge(MergeOptions{Inputs: []string{log}, OutDir: filepath.Join(dir, "merged"), Progress: &out, NoReport: true}, fuzzMergeLimits, start)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil && !errors.Is(err, ErrMergeInput) {
			t.Errorf("merge = %v, want nil or ErrMergeInput", err)
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
