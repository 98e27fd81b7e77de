package scenarios

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the # want: lines of testdata/broken from the actual errors")

// emptyWant is the error of files that cannot carry a "# want:" line.
var emptyWant = map[string]string{
	"empty.toml": "empty.toml: the scenario is empty; fix: start from a built-in scenario: c1m-testbed list",
}

// loadAndPlan is what `c1m-testbed validate` does with a file.
func loadAndPlan(name string, data []byte) error {
	s, err := Parse(name, data)
	if err != nil {
		return err
	}
	_, err = NewPlan(s, DefaultEnv())
	return err
}

// TestBrokenCorpus checks that every file in testdata/broken fails with
// exactly the error written on its first line ("# want: ...").
func TestBrokenCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/broken/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Fatalf("want at least 25 broken scenarios, have %d", len(files))
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
			err = loadAndPlan(base, data)
			if err == nil {
				t.Fatalf("%s: no error; want %s", f, want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: error does not wrap ErrInvalid: %v", f, err)
			}
			var e *Error
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
