package measure

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRoleMeterFollowsForks: a role run in the orchestrator's own
// namespace is its workers and everything they fork (never the rest of
// the namespace); CPU of a fork that exited stays counted, and the
// worker's own readings reach it for run.json's extra.
func TestRoleMeterFollowsForks(t *testing.T) {
	// The worker forks a busy loop that ends after ~0.3 s of CPU, and a sleeper.
	cmd := exec.Command("/bin/sh", "-c", `(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done) & sleep 30 & wait`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	f := &fakeWorkers{pids: []int{cmd.Process.Pid}}
	m := NewRoleMeter(time.Now(), f, Where{Clients: []Namespace{Here}})

	var now roleNow
	for range 50 {
		m.read(true)
		if now, _ = m.latest(RoleClient); now.Processes == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if now.Processes != 3 || now.RSS <= 0 || now.FDs < 3 {
		t.Fatalf("latest = %+v; want sh, its loop and its sleep, with memory and files", now)
	}
	// Wait for the loop to end, then read again: it is gone, its CPU is not.
	deadline := time.Now().Add(20 * time.Second)
	for now.Processes == 3 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		m.read(false)
		now, _ = m.latest(RoleClient)
	}
	if now.Processes != 2 {
		t.Fatalf("the busy loop did not end in 20 s: %+v", now)
	}
	u := m.Usage()
	if len(u) != 1 || u[0].Role != RoleClient || u[0].ProcessesSeen != 3 || u[0].PeakProcesses != 3 {
		t.Fatalf("usage = %+v; want one client role with 3 processes seen", u)
	}
	var exited int
	for _, p := range u[0].Processes {
		if p.Exited {
			exited++
		}
		if !strings.Contains(p.Command, "sh") && !strings.Contains(p.Command, "sleep") {
			t.Errorf("process %d has command %q", p.PID, p.Command)
		}
	}
	if exited != 1 || u[0].CPUUserSeconds+u[0].CPUSystemSeconds <= 0 || u[0].PeakPSS <= 0 {
		t.Errorf("usage %+v: want the loop exited, its CPU time counted and PSS read", u[0])
	}
	if peak := f.usageOf(cmd.Process.Pid); peak.RSS <= 0 || peak.FDs <= 0 {
		t.Errorf("the worker's own peak = %+v; want the meter's readings", peak)
	}
}
