package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/report"
)

// The real-server tests run the scenarios of examples/ with Debian's
// nginx, redis-server and memcached, at a fifth of their load. Each skips
// with a message where its program is not installed (.ci/run installs
// them).

// needProgram skips the test unless path is an executable.
func needProgram(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(path); err != nil {
		t.Skipf("skipping: %s is not installed (apt-get install %s; .ci/run does)", path, pkg)
	}
}

// serverNSRE finds the server namespace in the privileged-actions list
// the run prints before it builds anything.
var serverNSRE = regexp.MustCompile(`network namespaces (c1m-[a-z0-9]+-srv)\b`)

// runDuringHold runs `c1m-testbed run scenario --scale 0.2` and calls
// during once the hold phase starts, with the server namespace's name;
// it returns the record and the output.
func runDuringHold(t *testing.T, scenario string, during func(serverNS string)) (*report.Record, int, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(testBinary(t), "run", scenario, "--scale", "0.2", "--out", out, "--no-report")
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Should the test stop early, end the run (SIGTERM tears it down) and
	// wait for it, so no namespace or process outlives the test.
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	})
	var log bytes.Buffer
	var ns string
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if m := serverNSRE.FindStringSubmatch(line); m != nil && ns == "" {
			ns = m[1]
		}
		if strings.HasPrefix(line, "phase hold-") && ns != "" && during != nil {
			during(ns)
			during = nil
		}
	}
	code := 0
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("c1m-testbed run %s: %v", scenario, err)
		}
		code = ee.ExitCode()
	}
	t.Logf("c1m-testbed run %s --scale 0.2:\n%s", scenario, tail(log.String(), 2500))
	rec, err := report.ReadRecord(out)
	if err != nil {
		t.Fatalf("no run.json: %v", err)
	}
	if during != nil {
		t.Errorf("the run never reached its hold phase (server namespace %q)", ns)
	}
	assertNoNamespaces(t, rec.RunID)
	return rec, code, log.String()
}

// nsRSS reads, independently of the testbed, the pids in a namespace
// (`ip netns pids`) and each one's VmRSS from /proc/PID/status. It runs
// while the run's output is read, so it reports and goes on rather than
// stop the test.
func nsRSS(t *testing.T, ns string) (map[int]int64, int64) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		t.Errorf("ip netns pids %s: %v", ns, err)
		return nil, 0
	}
	rss := map[int]int64{}
	var sum int64
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + f + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				rss[pid] = kb * 1024
				sum += kb * 1024
			}
		}
	}
	return rss, sum
}

// roleOf returns the record's usage of role.
func roleOf(t *testing.T, rec *report.Record, role string) report.RoleUsage {
	t.Helper()
	for _, r := range rec.Roles {
		if r.Role == role {
			return r
		}
	}
	t.Fatalf("run.json has no roles[] entry for %s: %+v", role, rec.Roles)
	return report.RoleUsage{}
}

// checkPassed fails for a failed run or expectation.
func checkPassed(t *testing.T, rec *report.Record, code int) {
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

// TestRealNginx: nginx's master forks 8 workers; the server role counts
// all 9 processes, each named in roles[].processes, and its memory is
// their sum, checked against the RSS read from /proc during the hold by
// another route (ip netns pids, VmRSS), not the master's alone.
func TestRealNginx(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	needProgram(t, "/usr/sbin/nginx", "nginx-light")
	var seen map[int]int64
	var seenSum int64
	rec, code, _ := runDuringHold(t, "../../examples/nginx/nginx.toml", func(ns string) { seen, seenSum = nsRSS(t, ns) })
	checkPassed(t, rec, code)
	if rec.Summary.PeakEstablished != 20000 {
		t.Errorf("peak_established = %d, want 20000", rec.Summary.PeakEstablished)
	}
	srv := roleOf(t, rec, "server")
	if len(seen) != 9 || srv.PeakProcesses != 9 {
		t.Errorf("ip netns pids saw %d processes and the role %d; want nginx's master and its 8 workers", len(seen), srv.PeakProcesses)
	}
	var named []int
	for _, p := range srv.Processes {
		if p.Comm == "nginx" {
			named = append(named, p.PID)
		}
	}
	for pid := range seen {
		if !slices.Contains(named, pid) {
			t.Errorf("process %d of the server namespace is not in roles[].processes (%v)", pid, named)
		}
	}
	// The role's peak sum and the independent reading during the hold
	// measure the same processes at nearly the same time.
	if seenSum == 0 || float64(srv.PeakRSS) < 0.8*float64(seenSum) || float64(srv.PeakRSS) > 1.25*float64(seenSum) {
		t.Errorf("server role peak RSS %d B, but its processes held %d B during the hold", srv.PeakRSS, seenSum)
	}
	var master int64
	for _, p := range srv.Processes {
		if p.PPID != 0 && !slices.Contains(named, p.PPID) {
			master = p.PeakRSS // the one whose parent is the orchestrator
		}
	}
	if master == 0 || srv.PeakRSS < 3*master {
		t.Errorf("server role RSS %d B is not well above the master's own %d B: the workers were not counted", srv.PeakRSS, master)
	}
}

// TestRealRedis: redis-server cannot share a port; {worker-port} runs one
// copy per server port and the built-in clients reach the target over
// all of them.
func TestRealRedis(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	needProgram(t, "/usr/bin/redis-server", "redis-server")
	rec, code, _ := runDuringHold(t, "../../examples/redis/redis.toml", nil)
	checkPassed(t, rec, code)
	if rec.Summary.PeakEstablished != 10000 || rec.Summary.PeakServerEstablished != 10000 {
		t.Errorf("peak established %d / server %d, want 10000", rec.Summary.PeakEstablished, rec.Summary.PeakServerEstablished)
	}
	srv := roleOf(t, rec, "server")
	ports := map[string]bool{}
	for _, p := range srv.Processes {
		if f := strings.Fields(p.Command); p.Comm == "redis-server" && len(f) > 1 {
			ports[f[len(f)-1]] = true // redis names itself "redis-server ADDR:PORT"
		}
	}
	if srv.PeakProcesses != 4 || len(ports) != 4 {
		t.Errorf("%d redis processes on %d distinct ports %v; want one copy on each of the 4 ports", srv.PeakProcesses, len(ports), ports)
	}
	if srv.PeakFDs < 10000 {
		t.Errorf("server role peak fds %d, want at least the 10000 connections", srv.PeakFDs)
	}
}

// TestRealMemcached: memcached, one copy per port, run as nobody.
func TestRealMemcached(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	needProgram(t, "/usr/bin/memcached", "memcached")
	rec, code, _ := runDuringHold(t, "../../examples/memcached/memcached.toml", nil)
	checkPassed(t, rec, code)
	if rec.Summary.PeakServerEstablished != 10000 {
		t.Errorf("peak_server_established = %d, want 10000", rec.Summary.PeakServerEstablished)
	}
	if srv := roleOf(t, rec, "server"); srv.PeakProcesses != 4 {
		t.Errorf("%d memcached processes, want one per port (4)", srv.PeakProcesses)
	}
}
