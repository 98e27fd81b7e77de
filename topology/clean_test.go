package topology

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestCleanRestoresKilledRun: a child process builds a run and raises
// net.ipv4.tcp_max_orphans by one through the journal (harmless, and put
// back by the test whatever happens), then dies by SIGKILL. Clean restores
// the setting, kills the process left in the run's namespace (which
// Leftovers counts until then), deletes every
// namespace and the run record, and does not touch a live run.
func TestCleanRestoresKilledRun(t *testing.T) {
	hostlock.Exclusive(t)
	skipUnlessRoot(t)
	const key = "net.ipv4.tcp_max_orphans"
	orig, err := ReadSysctl(key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := WriteSysctl(key, orig); err != nil {
			t.Errorf("failed to put %s back to %s: %v", key, orig, err)
		}
	})
	n, _ := strconv.Atoi(orig)
	changed := strconv.Itoa(n + 1)

	live := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})

	id := NewRunID()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=crash", "C1M_RUN="+id, "C1M_KEY="+key, "C1M_VALUE="+changed)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); Clean(&strings.Builder{}) })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper did not get ready: %v", err)
	}
	var sleeper int
	if _, err := fmt.Sscanf(line, "ready %d", &sleeper); err != nil {
		t.Fatalf("helper said %q", line)
	}
	if got, _ := ReadSysctl(key); got != changed {
		t.Fatalf("helper did not change %s: %s", key, got)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	dead, err := DeadRuns()
	if err != nil || !contains(dead, id) {
		t.Fatalf("DeadRuns = %v, %v; want %s among them", dead, err, id)
	}
	// Before Clean, Leftovers counts the process the dead run left behind.
	left, err := Leftovers(id)
	if want := "process " + strconv.Itoa(sleeper) + " (sleep) in namespace " + ClientName(id, 1); err != nil || !hasPrefixIn(left, want) {
		t.Errorf("Leftovers(%s) = %q, %v; want %q among them", id, left, err, want)
	}
	var report strings.Builder
	count, err := Clean(&report)
	t.Logf("clean said:\n%s", report.String())
	if err != nil || count < 1 {
		t.Fatalf("Clean = %d, %v", count, err)
	}
	for _, want := range []string{"run " + id, "restored " + key + " = " + orig, "killed process " + strconv.Itoa(sleeper), "deleted namespace " + ServerName(id)} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("Clean's report lacks %q", want)
		}
	}
	if got, _ := ReadSysctl(key); got != orig {
		t.Errorf("%s = %s after Clean, want %s", key, got, orig)
	}
	assertNothingLeft(t, id)
	if !processGone(sleeper) {
		t.Errorf("process %d in the dead run's namespace still runs", sleeper)
	}
	if strings.Contains(report.String(), live.RunID) {
		t.Errorf("Clean touched the live run %s", live.RunID)
	}
	if left, _ := Leftovers(live.RunID); len(left) == 0 {
		t.Errorf("the live run %s lost its namespaces", live.RunID)
	}
	report.Reset()
	Clean(&report)
	if strings.Contains(report.String(), id) {
		t.Errorf("second Clean found run %s again:\n%s", id, report.String())
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// processGone waits a little for pid to die (a zombie counts as gone).
func processGone(pid int) bool {
	for range 100 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i+1:]), " Z") {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
