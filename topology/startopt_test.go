package topology

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// fakeJoiner records the threads Enter and leave ran on.
type fakeJoiner struct {
	enterTid, leaveTid int
	leaveErr           error
}

func (f *fakeJoiner) Enter(attr *syscall.SysProcAttr) (func() error, error) {
	f.enterTid = unix.Gettid()
	return func() error {
		f.leaveTid = unix.Gettid()
		return f.leaveErr
	}, nil
}

// TestStartInCgroupJoiner checks that Enter and leave run on the spawner
// thread around the fork, and that a thread leave could not bring back
// is retired: the next StartIn runs on a new spawner thread.
func TestStartInCgroupJoiner(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})
	start := func(j *fakeJoiner) {
		t.Helper()
		cmd := exec.Command("true")
		if err := StartIn(topo.Clients[0].Name, cmd, InCgroup(j)); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if j.enterTid == 0 || j.enterTid != j.leaveTid {
			t.Errorf("Enter ran on thread %d, leave on %d: want the same spawner thread", j.enterTid, j.leaveTid)
		}
	}
	first, stuck, after := &fakeJoiner{}, &fakeJoiner{leaveErr: errors.New("cannot leave")}, &fakeJoiner{}
	start(first)
	start(stuck)
	start(after)
	if stuck.enterTid != first.enterTid {
		t.Errorf("a healthy spawner changed thread: %d then %d", first.enterTid, stuck.enterTid)
	}
	if after.enterTid == stuck.enterTid {
		t.Errorf("the thread that could not leave its cgroup (%d) served another request", stuck.enterTid)
	}
}
