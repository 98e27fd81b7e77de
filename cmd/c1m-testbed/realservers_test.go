package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// The real-server tests run the scenarios of examples/ with Debian's
// nginx, redis-server, memcached and mosquitto, and with examples/wsserver
// (built here): the idle holds at a fifth of their load, the timed ones
// (a protocol's handshake and a traffic phase against the real server) at
// a twentieth. Each skips with a message where its program is not
// installed (.ci/run installs them).

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
func runDuringHold(t *testing.T, scenario string, during func(serverNS string)) (*results.Record, int, string) {
	t.Helper()
	return runScaled(t, scenario, "0.2", during)
}

// runScaled runs `c1m-testbed run scenario --scale scale` as
// runDuringHold does (during may be nil).
func runScaled(t *testing.T, scenario, scale string, during func(serverNS string)) (*results.Record, int, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(testBinary(t), "run", scenario, "--scale", scale, "--out", out, "--no-report")
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
	t.Logf("c1m-testbed run %s --scale %s:\n%s", scenario, scale, tail(log.String(), 2500))
	rec, err := results.ReadRecord(out)
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
func roleOf(t *testing.T, rec *results.Record, role string) results.RoleUsage {
	t.Helper()
	for _, r := range rec.Roles {
		if r.Role == role {
			return r
		}
	}
	t.Fatalf("run.json has no roles[] entry for %s: %+v", role, rec.Roles)
	return results.RoleUsage{}
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

// timed is what a timed real-server run must show.
type timed struct {
	proto     string // summary.protocol.name
	conns     int64  // established at the peak, on both sides
	handshake bool   // the protocol makes a handshake (timed in the connect phase)
}

// checkTimed checks the record of a timed scenario (connect, hold,
// traffic, close): every connection established (and through its
// handshake, where there is one, each timed once), every timed request of
// the traffic phase answered and each answer timed once, keep-alives sent
// and answered, nothing the server sent unasked, and nothing left behind.
func checkTimed(t *testing.T, rec *results.Record, code int, w timed) {
	t.Helper()
	checkPassed(t, rec, code)
	s := rec.Summary
	if s.PeakEstablished != w.conns || s.PeakServerEstablished != w.conns {
		t.Errorf("peak established %d / server %d, want %d", s.PeakEstablished, s.PeakServerEstablished, w.conns)
	}
	if !s.HostRestored || s.Leftovers != 0 {
		t.Errorf("host restored %v, %d leftovers %v", s.HostRestored, s.Leftovers, s.LeftoverItems)
	}
	var traffic, connect int
	for _, p := range rec.Phases {
		if p.Outcome != "done" {
			t.Errorf("phase %s ended %q (%s)", p.Name, p.Outcome, p.Detail)
		}
		switch p.Kind {
		case "connect":
			connect++
			var hs uint64
			if p.Handshake != nil {
				hs = p.Handshake.Count
			}
			if want := map[bool]uint64{true: uint64(w.conns)}[w.handshake]; hs != want {
				t.Errorf("phase %s timed %d handshakes, want %d", p.Name, hs, want)
			}
		case "traffic":
			traffic++
			tr := p.Traffic
			if tr == nil || p.RTT == nil {
				t.Errorf("traffic phase %s has no traffic (%v) or no round trips (%v)", p.Name, tr, p.RTT)
				continue
			}
			// At most one request in flight per connection and every one
			// answered well within an interval: all asked, sent, answered.
			if tr.MessagesAnswered <= 0 || tr.MessagesAnswered != tr.MessagesSent || tr.MessagesSent != tr.MessagesAsked {
				t.Errorf("phase %s: %d messages asked, %d sent, %d answered; want all answered", p.Name, tr.MessagesAsked, tr.MessagesSent, tr.MessagesAnswered)
			}
			if p.RTT.Count == 0 || int64(p.RTT.Count) != tr.MessagesAnswered {
				t.Errorf("phase %s timed %d round trips, want one per message answered (%d)", p.Name, p.RTT.Count, tr.MessagesAnswered)
			}
			// Every connection sends every interval (fraction 1).
			if tr.MessagesAsked < w.conns {
				t.Errorf("phase %s asked %d messages of %d connections", p.Name, tr.MessagesAsked, w.conns)
			}
		}
	}
	if connect != 1 || traffic != 1 {
		t.Errorf("%d connect and %d traffic phases, want 1 of each", connect, traffic)
	}
	pr := s.Protocol
	if pr == nil {
		t.Fatalf("summary.protocol is missing (want %s)", w.proto)
	}
	if pr.Name != w.proto {
		t.Errorf("summary.protocol.name %q, want %q", pr.Name, w.proto)
	}
	if want := map[bool]int64{true: w.conns}[w.handshake]; pr.Handshakes != want {
		t.Errorf("summary.protocol.handshakes %d, want %d", pr.Handshakes, want)
	}
	// Keep-alives go out in every phase; one may still be in flight at
	// the close.
	// Keep-alives go only to idle connections: a short run whose traffic
	// comes every half keep-alive sends none, and any sent are answered
	// (but for those in flight when the run closed them).
	if pr.KeepAliveAnswered > pr.KeepAliveSent || pr.KeepAliveSent-pr.KeepAliveAnswered > w.conns {
		t.Errorf("keep-alives %d sent, %d answered", pr.KeepAliveSent, pr.KeepAliveAnswered)
	}
	if pr.Pushes != 0 || pr.Pongs != 0 {
		t.Errorf("the server sent %d frames unasked and %d pings; these servers send neither", pr.Pushes, pr.Pongs)
	}
	t.Logf("%s at %d connections: handshake %s, rtt %s, keep-alives %d/%d, server PSS %.0f B/conn",
		w.proto, w.conns, latencyLine(s.Handshake), latencyLine(s.RTT), pr.KeepAliveAnswered, pr.KeepAliveSent,
		float64(roleOf(t, rec, "server").PeakPSS)/float64(max(1, s.PeakEstablished)))
}

// latencyLine prints a latency's count and p50/p99.
func latencyLine(l *results.Latency) string {
	if l == nil {
		return "none"
	}
	return fmt.Sprintf("%d, p50 %.3g ms, p99 %.3g ms", l.Count, l.P50*1e3, l.P99*1e3)
}

// TestRealNginxKeepAlive: nginx answers a GET /ok per connection every
// interval on kept-alive connections (nginx.conf raises keepalive_*), each
// 200 timed in order; every reply is a 2xx.
func TestRealNginxKeepAlive(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	needProgram(t, "/usr/sbin/nginx", "nginx-light")
	rec, code, _ := runScaled(t, "../../examples/nginx/nginx-keepalive.toml", "0.05", nil)
	checkTimed(t, rec, code, timed{proto: "http", conns: 2500})
	if p := rec.Summary.Protocol; p != nil {
		var answered int64
		for _, ph := range rec.Phases {
			if ph.Traffic != nil {
				answered += ph.Traffic.MessagesAnswered
			}
		}
		if p.Statuses["2xx"] != answered+p.KeepAliveAnswered || len(p.Statuses) != 1 {
			t.Errorf("statuses %v, want only 2xx: %d requests and %d keep-alives answered", p.Statuses, answered, p.KeepAliveAnswered)
		}
	}
}

// TestRealRedisKeepAlive: redis-server, one copy per port, returns each
// PING's stamp as a bulk string.
func TestRealRedisKeepAlive(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	needProgram(t, "/usr/bin/redis-server", "redis-server")
	rec, code, _ := runScaled(t, "../../examples/redis/redis-keepalive.toml", "0.05", nil)
	checkTimed(t, rec, code, timed{proto: "redis", conns: 2500})
}

// TestRealMemcachedKeepAlive: memcached stores each connection's key (the
// handshake) and copies each meta get's opaque token back.
func TestRealMemcachedKeepAlive(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	needProgram(t, "/usr/bin/memcached", "memcached")
	rec, code, _ := runScaled(t, "../../examples/memcached/memcached-keepalive.toml", "0.05", nil)
	checkTimed(t, rec, code, timed{proto: "memcached", conns: 2500, handshake: true})
}

// TestRealMosquitto: mosquitto, one copy per port from the template
// config, answers CONNECT and SUBSCRIBE (the handshake) and delivers each
// connection's publish back to it; the clients' connect rate keeps its
// 100-deep accept queue from overflowing.
func TestRealMosquitto(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	needProgram(t, "/usr/sbin/mosquitto", "mosquitto")
	rec, code, _ := runScaled(t, "../../examples/mosquitto/mosquitto.toml", "0.05", nil)
	checkTimed(t, rec, code, timed{proto: "mqtt", conns: 2000, handshake: true})
	if srv := roleOf(t, rec, "server"); srv.PeakProcesses != 4 {
		t.Errorf("%d server processes, want one mosquitto per port (4)", srv.PeakProcesses)
	}
	for _, p := range roleOf(t, rec, "server").Processes {
		if p.Comm != "mosquitto" {
			t.Errorf("server process %d is %q (%s), want mosquitto (the shell execs it)", p.PID, p.Comm, p.Command)
		}
	}
}

var wsserverOnce sync.Once

// testWSServer builds examples/wsserver next to the c1m-testbed test
// binary, where the scenario's {bin} points.
func testWSServer(t *testing.T) {
	t.Helper()
	dir := filepath.Dir(testBinary(t))
	var err error
	wsserverOnce.Do(func() {
		if out, berr := exec.Command("go", "build", "-o", dir+"/", "../../examples/wsserver").CombinedOutput(); berr != nil {
			err = &buildError{string(out)}
		}
	})
	if err != nil {
		t.Fatalf("failed to build examples/wsserver: %v", err)
	}
}

// TestRealWSServer: examples/wsserver (nbio), one copy per port, upgrades
// every connection (the handshake), answers each timed ping with its
// stamp and echoes each timed text message.
func TestRealWSServer(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	testWSServer(t)
	for _, name := range []string{"wsserver", "wsserver-text"} {
		t.Run(name, func(t *testing.T) {
			rec, code, _ := runScaled(t, "../../examples/wsserver/"+name+".toml", "0.05", nil)
			checkTimed(t, rec, code, timed{proto: "websocket", conns: 2500, handshake: true})
			if srv := roleOf(t, rec, "server"); srv.PeakProcesses != 4 {
				t.Errorf("%d server processes, want one wsserver per port (4)", srv.PeakProcesses)
			}
		})
	}
}
