package nodes

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// BenchmarkServerEcho measures the server's event path in process: one op
// is one message on each of 100 connections, read, counted and echoed by
// the worker, then read back by the raw client sockets. allocs/op is the
// allocations of 100 read events plus 100 writes: it must be 0, with the
// compact table and with a connection pool (conn_buffer 16 KiB: reads into
// the slot's buffer, echo from its write buffer), and on the io_uring engine
// (its completions, re-armed polls and one io_uring_enter per wake-up).
func BenchmarkServerEcho(b *testing.B) {
	for _, bc := range []struct {
		name, engine string
		buf          int
	}{{"compact", EngineEpoll, 0}, {"pool", EngineEpoll, 16 << 10}, {"io_uring", EngineIOUring, 0}} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.engine == EngineIOUring {
				if err := IOUringUsable(); err != nil {
					b.Skipf("io_uring: %v", err)
				}
			}
			benchServerEcho(b, bc.buf, bc.engine)
		})
	}
}

func benchServerEcho(b *testing.B, connBuffer int, engine string) {
	hostlock.Shared(b)
	ns := testNetns(b)
	const conns = 100
	w, fds := echoServerWithConns(b, ns, conns, connBuffer, engine)
	for w.st.Established < conns {
		if err := w.Poll(10 * time.Millisecond); err != nil {
			b.Fatal(err)
		}
	}
	msg := []byte("x\n")
	buf := make([]byte, 64)
	round := func() {
		want := w.st.Messages + conns
		for _, fd := range fds {
			unix.Write(fd, msg)
		}
		for w.st.Messages < want {
			w.Poll(10 * time.Millisecond)
		}
		for _, fd := range fds {
			unix.Read(fd, buf)
		}
	}
	round() // warm up: the table and the event slice reach their size
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		round()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*conns), "ns/msg")
	if errs := w.errs.snapshot(); errs != nil {
		b.Errorf("server errors: %v", errs)
	}
}

// BenchmarkMemoryPerConn holds the same load (10,000 connections from one
// of our client workers, one message each) against our epoll server and
// against a goroutine-per-connection server (net.Listener, one goroutine
// and a 1 KiB buffer each), each a process of its own, and reports the
// server's RSS per connection for both: total (RSS / conns) and the
// increase over its idle RSS. Run with -benchtime=1x.
func BenchmarkMemoryPerConn(b *testing.B) {
	hostlock.Shared(b)
	ns := testNetns(b)
	const n = 10000
	for i := 0; i < b.N; i++ {
		for k, kind := range []struct{ name, role string }{{"epoll", "server"}, {"goroutine", "goserver"}} {
			port := 6001 + k
			srv := startProc(b, ns, kind.name, kind.role)
			srv.send(Command{Cmd: CmdStart, Server: &ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{port}, Backlog: 4096}})
			srv.wait(EventReady)
			eventually(b, "idle stats", func() (bool, string) { _, k := srv.stats(); return k > 1, "" })
			idle := srv.memory()
			cli := startProc(b, ns, kind.name+"-client", "client")
			cli.send(Command{Cmd: CmdStart, Client: &ClientConfig{Sources: testAddrs[1:], Servers: []string{"198.18.0.1"},
				Ports: []int{port}, Message: "hello %d\n"}})
			cli.wait(EventReady)
			cli.send(Command{Cmd: CmdConnect, Count: n, InFlight: testInFlight})
			cli.wait(EventConnectDone)
			eventually(b, "all held", func() (bool, string) {
				s, _ := srv.stats()
				return s.Established == n && s.Messages == n, describe([]*proc{srv})
			})
			time.Sleep(600 * time.Millisecond) // two more stats lines
			s, c := srv.memory(), cli.memory()
			b.ReportMetric(float64(s.RSS)/n, kind.name+"-B/conn")
			b.ReportMetric(float64(s.RSS-idle.RSS)/n, kind.name+"-delta-B/conn")
			b.ReportMetric(float64(s.PSS)/n, kind.name+"-pss-B/conn")
			b.ReportMetric(float64(c.RSS)/n, kind.name+"-client-B/conn")
			b.Logf("%s server: idle RSS %d, RSS with %d conns %d; our client RSS %d", kind.name, idle.RSS, n, s.RSS, c.RSS)
			cli.stdin.Close()
			srv.stdin.Close()
			<-cli.exited
			<-srv.exited
			cli.exited <- nil
			srv.exited <- nil
		}
	}
}
