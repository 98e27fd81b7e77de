package nodes

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestServerConnBufferRange: a negative or oversized conn_buffer is
// refused before the worker exists, with the range in the message.
func TestServerConnBufferRange(t *testing.T) {
	for _, n := range []int{-1, maxConnBuffer + 1} {
		_, err := NewServer(ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, ConnBuffer: n})
		if err == nil || !strings.Contains(err.Error(), "conn_buffer") {
			t.Errorf("conn_buffer %d: got %v, want a range error", n, err)
		}
	}
}

// TestServerConnPoolEcho: in process, an echo server with a connection
// pool reads each connection's message into that slot's own read buffer,
// echoes it from the slot's write buffer, and makes exactly one slot
// resident per connection.
func TestServerConnPoolEcho(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	const conns, size = 50, 4096
	w, fds := echoServerWithConns(t, ns, conns, size, "")
	if !strings.Contains(w.readyDetail(), "connection pool") {
		t.Errorf("ready detail %q does not mention the pool", w.readyDetail())
	}
	pollUntil(t, w, func() bool { return w.st.Established == conns })
	for i, fd := range fds {
		unix.Write(fd, []byte(fmt.Sprintf("message %d\n", i)))
	}
	pollUntil(t, w, func() bool { return w.st.Messages == conns })
	buf := make([]byte, 64)
	for i, fd := range fds {
		want := fmt.Sprintf("message %d\n", i)
		n, err := unix.Read(fd, buf)
		if err != nil || string(buf[:n]) != want {
			t.Errorf("conn %d: echo %q (%v), want %q", i, buf[:max(n, 0)], err, want)
		}
	}
	// Each server-side slot holds its own connection's message.
	seen := map[string]bool{}
	for fd := range w.conns {
		if w.conns[fd].state != stOpen {
			continue
		}
		rb, wb := w.pool.read(fd), w.pool.write(fd)
		msg, _, ok := bytes.Cut(rb, []byte("\n"))
		if !ok || !bytes.HasPrefix(wb, msg) {
			t.Errorf("fd %d: read buffer %q, write buffer %q: want the same message in both", fd, rb[:16], wb[:16])
		}
		seen[string(msg)] = true
	}
	if len(seen) != conns {
		t.Errorf("%d distinct messages in the slots' buffers, want %d", len(seen), conns)
	}
	if got, want := w.Stats().Pool, int64(conns*2*size); got != want {
		t.Errorf("stats pool = %d, want %d (%d slots × 2 × %d)", got, want, conns, size)
	}
}

func pollUntil(t *testing.T, w *Worker, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if err := w.Poll(10 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(end) {
			t.Fatalf("timed out; stats %+v", w.Stats())
		}
	}
}

// TestServerConnPoolMemory: a server worker process with conn_buffer
// 16 KiB holding 4,000 connections is resident by at least 90% of
// 4,000 × 2 × 16 KiB more than idle — the static pool's cost is physical,
// not just reserved — and stays so after every connection closed (the
// pool never shrinks); reconnecting reuses the slots. Only floors are
// asserted: the Go runtime may add memory, never subtract the pool.
func TestServerConnPoolMemory(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	const n, size = 4000, 16 << 10
	const floor = n * 2 * size * 9 / 10
	srv := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 4096, ConnBuffer: size})
	eventually(t, "idle stats", func() (bool, string) { _, k := srv[0].stats(); return k > 0, "" })
	idle := srv[0].memory() // the worker reports no memory: read it as the role meter does
	cli := startClient(t, ns, "client", ClientConfig{Sources: testAddrs[1:], Servers: []string{"198.18.0.1"}, Ports: []int{5001}, Message: "hello %d\n"})
	connectAll(t, srv, []*proc{cli}, n)
	eventually(t, "every message read and the pool resident", func() (bool, string) {
		s, _ := srv[0].stats()
		rss := srv[0].memory().RSS
		return s.Messages == n && rss-idle.RSS >= floor && s.Pool == n*2*size,
			fmt.Sprintf("RSS %d above idle, want >= %d; pool %d, want %d", rss-idle.RSS, floor, s.Pool, n*2*size)
	})
	closeAll(t, []*proc{cli}, 1, "rst")
	eventually(t, "closed, the pool still resident", func() (bool, string) {
		s, _ := srv[0].stats()
		rss := srv[0].memory().RSS
		return s.Established == 0 && rss-idle.RSS >= floor, fmt.Sprintf("established %d, RSS %d above idle, want >= %d", s.Established, rss-idle.RSS, floor)
	})
	connectAll(t, srv, []*proc{cli}, n)
	if s, _ := srv[0].stats(); s.Pool > n*2*size*11/10 {
		t.Errorf("pool %d after reconnecting %d: the slots were not reused (first round %d)", s.Pool, n, n*2*size)
	}
}
