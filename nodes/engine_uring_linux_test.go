package nodes

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestEngineWanted: epoll is the default, auto tries a ring and falls
// back, io_uring requires one, an unknown engine is refused with the
// choices.
func TestEngineWanted(t *testing.T) {
	for _, tc := range []struct {
		engine         string
		ring, required bool
	}{{"", false, false}, {EngineEpoll, false, false}, {EngineAuto, true, false}, {EngineIOUring, true, true}} {
		ring, required, err := engineWanted(tc.engine)
		if ring != tc.ring || required != tc.required || err != nil {
			t.Errorf("engineWanted(%q) = %v, %v, %v; want %v, %v", tc.engine, ring, required, err, tc.ring, tc.required)
		}
	}
	if _, _, err := engineWanted("kqueue"); err == nil || !strings.Contains(err.Error(), "use epoll, io_uring or auto") {
		t.Errorf("engineWanted(kqueue): %v, want the choices", err)
	}
}

// TestAutoEngine: a server asked for auto runs io_uring exactly where a
// ring can be set up (startServers checks what ready says) and serves.
func TestAutoEngine(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 1024, Engine: EngineAuto})
	c := startClient(t, ns, "client", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
	connectAll(t, servers, []*proc{c}, 200)
}

// needUring skips a test of the io_uring engine where this kernel cannot
// set it up.
func needUring(t *testing.T) {
	if err := IOUringUsable(); err != nil {
		t.Skipf("the io_uring engine cannot run here: %v", err)
	}
}

// TestServerEMFILE, on each engine: a server whose fd limit is below the
// connections asked for counts EMFILE, pauses its listeners and accepts
// again once connections close: every connection is served in the end.
func TestServerEMFILE(t *testing.T) {
	hostlock.Shared(t)
	for _, engine := range serverEngines(t) {
		t.Run(engine, func(t *testing.T) {
			ns := testNetns(t)
			servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 1024, FDLimit: 100, Engine: engine})
			c := startClient(t, ns, "client", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
			c.send(Command{Cmd: CmdConnect, Count: 150, InFlight: testInFlight})
			c.wait(EventConnectDone)
			var held int64
			eventually(t, "EMFILE counted, the server full", func() (bool, string) {
				s, _ := servers[0].stats()
				held = s.Established
				return s.Errors["EMFILE"] > 0 && held > 50 && held < 100, describe(append(servers, c))
			})
			// The client closes what the server holds and more: the
			// listeners resume and take the connections still queued.
			c.send(Command{Cmd: CmdClose, Fraction: 1})
			c.wait(EventCloseDone)
			eventually(t, "the queued connections accepted and closed", func() (bool, string) {
				s, _ := servers[0].stats()
				return s.Accepted == 150 && s.Established == 0, describe(append(servers, c))
			})
		})
	}
}

// TestUringAcceptRate: with accept_rate the io_uring server takes one
// accept per token: 600 connections at 2,000 a second take at least
// 0.25 s (the bucket's burst is 20 ms of tokens), a floor.
func TestUringAcceptRate(t *testing.T) {
	hostlock.Shared(t)
	needUring(t)
	ns := testNetns(t)
	servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 1024, AcceptRate: 2000, Engine: EngineIOUring})
	c := startClient(t, ns, "client", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
	start := time.Now()
	c.send(Command{Cmd: CmdConnect, Count: 600, InFlight: testInFlight})
	eventually(t, "600 accepted", func() (bool, string) {
		s, _ := servers[0].stats()
		return s.Accepted == 600, describe(append(servers, c))
	})
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("600 accepts at 2,000/s took %v, want at least 250 ms", d)
	}
}

// TestUringStopSendsFIN: a stopping io_uring server removes every
// connection's poll before it closes the sockets, so that each sends its
// FIN before the process is gone: once it is reaped, none of its sockets
// is still established (the kernel would otherwise close them when it
// tears the ring down, after the process), and the clients see every
// connection end.
func TestUringStopSendsFIN(t *testing.T) {
	hostlock.Shared(t)
	needUring(t)
	ns := testNetns(t)
	servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 4096, Engine: EngineIOUring})
	c := startClient(t, ns, "client", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
	connectAll(t, servers, []*proc{c}, 3000)
	servers[0].send(Command{Cmd: CmdStop})
	select {
	case err := <-servers[0].exited:
		if err != nil {
			t.Errorf("server exit: %v", err)
		}
		servers[0].exited <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit on stop")
	}
	var est int
	if err := inNetns(ns, func() error {
		b, err := os.ReadFile("/proc/net/tcp")
		for _, l := range strings.Split(string(b), "\n") {
			// local 198.18.0.1:5001, state 01: ESTABLISHED
			if f := strings.Fields(l); len(f) > 3 && f[1] == "010012C6:1389" && f[3] == "01" {
				est++
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if est != 0 {
		t.Errorf("%d of the server's sockets still established after it was reaped", est)
	}
	eventually(t, "every connection ended by the server", func() (bool, string) {
		s, _ := c.stats()
		return s.ClosedByPeer == 3000 && s.Established == 0, describe([]*proc{c})
	})
}

// TestServerSyscallsPerConn, on each engine: the server's own count of
// its system calls over connections opened and closed by the peer. epoll
// cannot go below accept4, epoll_ctl, the read of the FIN and close
// (4); io_uring's only call per connection is that read, beside at most
// one io_uring_enter for each of its two completions (3).
func TestServerSyscallsPerConn(t *testing.T) {
	hostlock.Shared(t)
	for _, engine := range serverEngines(t) {
		t.Run(engine, func(t *testing.T) {
			ns := testNetns(t)
			servers := startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 4096, Engine: engine})
			c := startClient(t, ns, "client", ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
			const n = 4000
			connectAll(t, servers, []*proc{c}, n)
			closeAll(t, []*proc{c}, 1, "fin")
			var s Stats
			eventually(t, "every connection closed by the peer", func() (bool, string) {
				s, _ = servers[0].stats()
				return s.ClosedByPeer == n, describe(servers)
			})
			per := float64(s.Syscalls) / n
			t.Logf("%s: %d system calls, %.2f per connection", engine, s.Syscalls, per)
			if engine == EngineEpoll && per < 4 || engine == EngineIOUring && (per > 3 || per < 1) {
				t.Errorf("%s: %.2f system calls per connection, want %s", engine, per, map[string]string{EngineEpoll: ">= 4", EngineIOUring: "1 to 3"}[engine])
			}
		})
	}
}
