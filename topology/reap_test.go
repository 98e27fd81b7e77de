package topology

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// startDaemon runs `sh -c script` in namespace ns the way the package
// starts node processes (StartIn), reads the pid the script prints, waits
// for sh to exit and returns that pid: a process that left sh's process
// group and session and is no child of ours. The test kills it at the end
// should anything have let it live.
func startDaemon(t *testing.T, ns, script string) int {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := StartIn(ns, cmd); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the daemon did not say its pid: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sh: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("the daemon said %q", line)
	}
	start, err := ProcessStart(pid)
	if err != nil {
		t.Fatalf("the daemon %d is gone already: %v", pid, err)
	}
	t.Cleanup(func() {
		if ProcessAlive(pid, start) {
			t.Errorf("daemon %d outlived the test; killing it", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	// Wait until it runs its final program (setsid and sh exec into it).
	for range 100 {
		if procComm(pid) == "sleep" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if sid, _ := unix.Getsid(pid); sid != pid {
		t.Fatalf("process %d did not daemonize: session %d", pid, sid)
	}
	return pid
}

// daemon is a script whose sleep leaves sh's session (setsid) and prints
// its pid; its output does not hold the pipe open.
const daemon = `setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!`

// TestTeardownKillsDaemon builds
//
//	c1m-<id>-c1 <-veth-> c1m-<id>-srv (a setsid'd sleep inside)
//
// and checks that Teardown ends the daemon it never started and leaves
// nothing of the run.
func TestTeardownKillsDaemon(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})
	rec, err := recordedNamespaces(topo.RunID)
	if err != nil || len(rec) != 2 {
		t.Errorf("run record lists namespaces %+v, %v; want the server and one client", rec, err)
	}
	pid := startDaemon(t, topo.Server.Name, daemon)
	left, err := Leftovers(topo.RunID)
	if err != nil || !hasPrefixIn(left, "process "+strconv.Itoa(pid)+" (sleep) in namespace "+topo.Server.Name) {
		t.Errorf("Leftovers = %q, %v; want the daemon %d listed", left, err, pid)
	}
	topo.KillGrace = 500 * time.Millisecond
	t0 := time.Now()
	if err := topo.Teardown(); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	if d := time.Since(t0); d > 400*time.Millisecond {
		t.Errorf("Teardown took %v: the daemon should have gone at SIGTERM", d)
	}
	if !processGone(pid) {
		t.Errorf("daemon %d outlived Teardown", pid)
	}
	assertNothingLeft(t, topo.RunID)
}

// TestTeardownKillsSigtermIgnorer: a daemon that ignores SIGTERM goes at
// SIGKILL once the grace is over.
func TestTeardownKillsSigtermIgnorer(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})
	pid := startDaemon(t, topo.Clients[0].Name,
		`setsid sh -c 'trap "" TERM; exec sleep 600' </dev/null >/dev/null 2>&1 & echo $!`)
	if !ignoresTerm(t, pid) {
		t.Fatalf("process %d does not ignore SIGTERM: the test proves nothing", pid)
	}
	const grace = 300 * time.Millisecond
	killed, survivors, err := KillProcessesIn([]string{topo.Clients[0].Name}, grace)
	if err != nil || killed != 1 || len(survivors) != 0 {
		t.Errorf("KillProcessesIn = %d, %v, %v; want 1, none, nil", killed, survivors, err)
	}
	if !processGone(pid) {
		t.Fatalf("process %d ignored SIGTERM and outlived SIGKILL", pid)
	}
	if err := topo.Teardown(); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	assertNothingLeft(t, topo.RunID)
}

// TestTeardownGraceBeforeSigkill: Teardown waits the grace for a SIGTERM
// ignorer, then kills it.
func TestTeardownGraceBeforeSigkill(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})
	pid := startDaemon(t, topo.Server.Name,
		`setsid sh -c 'trap "" TERM; exec sleep 600' </dev/null >/dev/null 2>&1 & echo $!`)
	topo.KillGrace = 300 * time.Millisecond
	t0 := time.Now()
	if err := topo.Teardown(); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	if d := time.Since(t0); d < topo.KillGrace {
		t.Errorf("Teardown took %v, less than the grace %v", d, topo.KillGrace)
	}
	if !processGone(pid) {
		t.Errorf("process %d outlived Teardown", pid)
	}
	assertNothingLeft(t, topo.RunID)
}

// TestLeftoversFindsUnnamedNamespace: a namespace whose name was removed
// behind the run's back (`ip netns delete`) but that a daemon still holds
// is found from the run record, listed by Leftovers, and its process ended
// by Teardown.
func TestLeftoversFindsUnnamedNamespace(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{ClientNamespaces: 2, ClientAddresses: 1, ServerAddresses: 1})
	name := topo.Clients[1].Name
	pid := startDaemon(t, name, daemon)
	if err := deleteNamed(name); err != nil {
		t.Fatal(err)
	}
	left, err := Leftovers(topo.RunID)
	if err != nil {
		t.Fatalf("Leftovers: %v", err)
	}
	if !hasPrefixIn(left, "process "+strconv.Itoa(pid)+" (sleep) in namespace "+name+" (no longer named") ||
		!hasPrefixIn(left, "namespace "+name+" (no longer named") {
		t.Errorf("Leftovers = %q; want the unnamed namespace and its process %d", left, pid)
	}
	topo.KillGrace = 500 * time.Millisecond
	if err := topo.Teardown(); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	if !processGone(pid) {
		t.Errorf("process %d in the unnamed namespace outlived Teardown", pid)
	}
	assertNothingLeft(t, topo.RunID)
}

// ignoresTerm reads SigIgn of /proc/<pid>/status.
func ignoresTerm(t *testing.T, pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<(syscall.SIGTERM-1)) != 0
		}
	}
	return false
}

// hasPrefixIn reports whether some item of list starts with prefix.
func hasPrefixIn(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
