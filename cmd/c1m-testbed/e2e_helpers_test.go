package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// The end-to-end tests build the c1m-testbed binary once and run it as a
// user would. Their one set of helpers: build and run the binary, run a
// scenario into a fresh results directory (runScenario), check that it
// passed (checkPassed) and that it left the host as it found it
// (assertClean).

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// testBinary builds c1m-testbed into a world-readable temporary directory.
func testBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "c1m-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		os.Chmod(dir, 0o755)
		binPath = filepath.Join(dir, "c1m-testbed")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("failed to build c1m-testbed: %v", buildErr)
	}
	return binPath
}

func skipUnlessRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: this test builds network namespaces and needs root (run 'go test' as root)")
	}
}

// runBinary runs the binary and returns its exit status and output.
func runBinary(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(testBinary(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("failed to run c1m-testbed %v: %v", args, err)
	return 0, ""
}

// runScenario runs `c1m-testbed run scenario flags... --out out`, logs
// the tail of its output and returns its run.json, exit status and
// output. A run that wrote no run.json ends the test.
func runScenario(t *testing.T, out, scenario string, flags ...string) (*results.Record, int, string) {
	t.Helper()
	args := append(append([]string{"run", scenario}, flags...), "--out", out)
	code, log := runBinary(t, args...)
	t.Logf("c1m-testbed %s:\n%s", strings.Join(args, " "), tail(log, 3000))
	rec, err := results.ReadRecord(out)
	if err != nil {
		t.Fatalf("no run.json (exit %d): %v", code, err)
	}
	return rec, code, log
}

// checkPassed fails for a failed run or expectation.
func checkPassed(t *testing.T, rec *results.Record, code int) {
	t.Helper()
	if code != exitOK || !rec.Passed {
		t.Errorf("exit %d, passed %v, failure %q", code, rec.Passed, rec.Failure)
	}
	for _, e := range rec.Expectations {
		if !e.Held {
			t.Errorf("expectation %s: want %s, got %s", e.Name, e.Want, e.Got)
		}
	}
}

// assertClean fails unless the run restored the host and left nothing:
// no leftover it found itself, no namespace of its run ID.
func assertClean(t *testing.T, rec *results.Record) {
	t.Helper()
	s := rec.Summary
	if !s.HostRestored {
		t.Errorf("host_restored = false: %+v", rec.Host)
	}
	if s.Leftovers != 0 {
		t.Errorf("leftovers = %d: %v", s.Leftovers, s.LeftoverItems)
	}
	assertNoNamespaces(t, rec.RunID)
}

// assertNoNamespaces fails for a namespace of the run left in /run/netns.
func assertNoNamespaces(t *testing.T, runID string) {
	t.Helper()
	if runID == "" {
		return
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "c1m-"+runID+"-") {
			t.Errorf("namespace %s left behind", e.Name())
		}
	}
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// startWatched starts c1m-testbed with args and returns it, a function
// that reads its output until a line satisfies ok (with ok nil: to the
// end), and the output read so far. Two minutes without the line end
// the test: the deadline only guards against a hang.
func startWatched(t *testing.T, args ...string) (*exec.Cmd, func(what string, ok func(string) bool) string, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(testBinary(t), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var log strings.Builder
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	hang := time.After(2 * time.Minute)
	until := func(what string, ok func(string) bool) string {
		t.Helper()
		for {
			select {
			case line, open := <-lines:
				if !open {
					if ok == nil {
						return ""
					}
					t.Fatalf("the run ended before %s\n%s", what, tail(log.String(), 2000))
				}
				log.WriteString(line + "\n")
				if ok != nil && ok(line) {
					return line
				}
			case <-hang:
				t.Fatalf("no %s after 2 minutes\n%s", what, tail(log.String(), 2000))
			}
		}
	}
	return cmd, until, &log
}
