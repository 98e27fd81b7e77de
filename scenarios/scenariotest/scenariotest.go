// Package scenariotest gives the fuzzers of scenario text (the decoder's
// and the planner's) the same seeds and the same guard against a slow
// input.
package scenariotest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Minimal is the smallest scenario that decodes and plans.
const Minimal = `
[client]
connections = 1000

[[phase]]
kind = "connect"
`

// AddSeeds adds every built-in scenario, every broken and hostile test
// file of scenarios/testdata and Minimal to f's corpus.
func AddSeeds(f *testing.F) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..")
	seeds, _ := filepath.Glob(filepath.Join(dir, "*.toml"))
	for _, sub := range []string{"testdata/broken", "testdata/hostile"} {
		more, _ := filepath.Glob(filepath.Join(dir, sub, "*.toml"))
		seeds = append(seeds, more...)
	}
	for _, name := range seeds {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(Minimal))
}

// KeepIfSlow writes data to the file C1M_FUZZ_SLOW names when the input
// takes over 3 s, for finding one that hangs (the fuzzer itself cannot
// say which); call the function it returns when the input is done.
func KeepIfSlow(data []byte) (done func()) {
	dump := os.Getenv("C1M_FUZZ_SLOW")
	if dump == "" {
		return func() {}
	}
	tm := time.AfterFunc(3*time.Second, func() { os.WriteFile(dump, data, 0o600) })
	return func() { tm.Stop() }
}
