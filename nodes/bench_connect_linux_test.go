package nodes

import (
	"fmt"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// BenchmarkConnectCycle drives a client worker and a server worker in
// process, on one thread inside the test namespace (the client creates its
// sockets during the loop): one op is a connect command of 100
// connections (each sends its message), the server accepting and counting
// them, and a close with RST from the client that the server sees. The
// allocations per op are those of the two commands and their done events
// (a few per command), not per connection; ns/conn is the time of both
// ends of one connection's whole life, kernel included. Each connect is
// timed into the connect histogram on the way. The two sizes show that
// the allocations are per command: the same count for 100 and for 400
// connections, so none per connection or per event.
func BenchmarkConnectCycle(b *testing.B) {
	for _, conns := range []int{100, 400} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { benchConnectCycle(b, conns) })
	}
}

func benchConnectCycle(b *testing.B, conns int) {
	hostlock.Shared(b)
	ns := testNetns(b)
	var srv, cli *Worker
	var done int
	poll := func(until func() bool) error {
		for deadline := time.Now().Add(10 * time.Second); !until(); {
			cli.Poll(0)
			srv.Poll(time.Millisecond)
			if time.Now().After(deadline) {
				return fmt.Errorf("stuck after %d events\nclient %+v\nserver %+v", done, cli.Stats(), srv.Stats())
			}
		}
		return nil
	}
	cycle := func() error {
		done = 0
		msgs := srv.st.Messages + int64(conns)
		if err := cli.Do(Command{Cmd: CmdConnect, Count: conns, InFlight: testInFlight}); err != nil {
			return err
		}
		if err := poll(func() bool { return done == 1 && srv.st.Messages == msgs }); err != nil {
			return err
		}
		if err := cli.Do(Command{Cmd: CmdClose, Fraction: 1, Mode: "rst"}); err != nil {
			return err
		}
		return poll(func() bool { return done == 2 && srv.st.Established == 0 })
	}
	err := inNetns(ns, func() error {
		var err error
		if srv, err = NewServer(ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001, 5002}, Backlog: 1024}); err != nil {
			return err
		}
		defer srv.Close()
		cli, err = NewClient(ClientConfig{Sources: testAddrs[1:], Servers: []string{"198.18.0.1"}, Ports: []int{5001, 5002}, Message: "hello %d\n"})
		if err != nil {
			return err
		}
		defer cli.Close()
		cli.OnEvent = func(string, string) { done++ }
		for i := 0; i < 2; i++ {
			if err := cycle(); err != nil {
				return err
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := cycle(); err != nil {
				return err
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*conns), "ns/conn")
		if got := cli.connHist.Count(); got != uint64((b.N+2)*conns) {
			return fmt.Errorf("connect histogram holds %d, want %d", got, (b.N+2)*conns)
		}
		if errs := cli.errs.snapshot(); errs != nil {
			return fmt.Errorf("client errors: %v", errs)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
