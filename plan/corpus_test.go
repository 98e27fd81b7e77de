package plan

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

var update = flag.Bool("update", false, "rewrite the # want: lines of testdata/broken and testdata/hostile from the actual errors")

// emptyWant is the error of files that cannot carry a "# want:" line.
var emptyWant = map[string]string{
	"empty.toml": "empty.toml: the scenario is empty; fix: start from a built-in scenario: c1m-testbed list",
}

// loadAndPlan is what `c1m-testbed validate` does with a file.
func loadAndPlan(name string, data []byte) error {
	s, err := scenarios.Parse(name, data)
	if err != nil {
		return err
	}
	_, err = New(s, DefaultEnv())
	return err
}

// TestBrokenCorpus checks that every file in testdata/broken fails with
// exactly the error written on its first line ("# want: ...").
func TestBrokenCorpus(t *testing.T) { checkCorpus(t, "../scenarios/testdata/broken", 25) }

// TestHostileCorpus checks the hostile inputs of issue 13 the same way:
// settings that could hurt the host, values that smuggle lines, what
// validate must refuse before run touches the host, absurd counts. Inputs
// that are not files (oversize, FIFO, /dev/zero) are tested in
// limits_test.go.
func TestHostileCorpus(t *testing.T) { checkCorpus(t, "../scenarios/testdata/hostile", 60) }

func checkCorpus(t *testing.T, dir string, least int) {
	files, err := filepath.Glob(dir + "/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < least {
		t.Fatalf("want at least %d scenarios in %s, have %d", least, dir, len(files))
	}
	for _, f := range files {
		base := filepath.Base(f)
		t.Run(strings.TrimSuffix(base, ".toml"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, rest, _ := strings.Cut(string(data), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			if !ok {
				want, ok = emptyWant[base]
				if !ok {
					t.Fatalf("%s: the first line must be \"# want: ERROR\"", f)
				}
			}
			start := time.Now()
			err = loadAndPlan(base, data)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s: took %v", f, d)
			}
			if err == nil {
				t.Fatalf("%s: no error; want %s", f, want)
			}
			if !errors.Is(err, scenarios.ErrInvalid) {
				t.Errorf("%s: error does not wrap ErrInvalid: %v", f, err)
			}
			var e *scenarios.Error
			if !errors.As(err, &e) || e.Line == 0 && base != "empty.toml" && base != "no-phases.toml" {
				t.Errorf("%s: error has no line: %v", f, err)
			}
			if *update && strings.HasPrefix(first, "# want: ") {
				os.WriteFile(f, []byte("# want: "+err.Error()+"\n"+rest), 0o644)
				return
			}
			if err.Error() != want {
				t.Errorf("%s:\n got: %s\nwant: %s", f, err, want)
			}
		})
	}
}
