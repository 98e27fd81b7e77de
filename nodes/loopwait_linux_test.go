package nodes

import (
	"net"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"golang.org/x/sys/unix"
)

// TestLoopWaitFloor holds loopWait to the kernel's meaning of
// tcpi_last_ack_recv: a connection the loop reaches 300 ms after it was
// established reads a wait of at least that (a physical floor: the wait
// cannot be shorter than the time that passed; no ceiling is asserted).
func TestLoopWaitFloor(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	var ln net.Listener
	var c net.Conn
	if err := inNetns(ns, func() (err error) {
		if ln, err = net.Listen("tcp", "198.18.0.1:6099"); err != nil {
			return err
		}
		c, err = net.Dial("tcp", "198.18.0.1:6099")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	defer c.Close()
	const held = 300 * time.Millisecond
	time.Sleep(held)
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	w := &Worker{}
	var wait time.Duration
	var ok bool
	if err := raw.Control(func(fd uintptr) { wait, ok = w.loopWait(int(fd)) }); err != nil || !ok {
		t.Fatal(err, ok)
	}
	if wait < held-10*time.Millisecond {
		t.Errorf("loop wait %v after %v established: want at least %v", wait, held, held)
	}
	if w.tcpInfo.State != unix.BPF_TCP_ESTABLISHED {
		t.Errorf("TCP_INFO state %d, want established", w.tcpInfo.State)
	}
}
