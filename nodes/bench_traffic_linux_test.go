package nodes

import (
	"fmt"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// BenchmarkTraffic drives a traffic run in process: a client worker with
// 1,000 connections and an echoing server worker on one thread in the
// test namespace. The schedule (every connection every 1 ms: 1M
// messages/s) is far above what one thread serves, so the loop runs flat
// out, in batches of trafficBatch sends between its socket events. One op
// is 1,000 replies answered: the wheel's sends (timestamp, write), the
// server's reads and echoes, the client's reply reads and RTT records.
// allocs/op is the event path's: it must be 0. ns/msg is both ends of one
// message's round trip, kernel included.
func BenchmarkTraffic(b *testing.B) {
	hostlock.Shared(b)
	ns := testNetns(b)
	const conns = 1000
	err := inNetns(ns, func() error {
		srv, err := NewServer(ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001, 5002}, Backlog: 1024, OnData: "echo"})
		if err != nil {
			return err
		}
		defer srv.Close()
		cli, err := NewClient(ClientConfig{Sources: testAddrs[1:], Servers: []string{"198.18.0.1"}, Ports: []int{5001, 5002}})
		if err != nil {
			return err
		}
		defer cli.Close()
		done := 0
		cli.OnEvent = func(string, string) { done++ }
		poll := func(until func() bool) error {
			for deadline := time.Now().Add(20 * time.Second); !until(); {
				cli.Poll(0)
				srv.Poll(0)
				if time.Now().After(deadline) {
					return fmt.Errorf("stuck\nclient %+v\nserver %+v", cli.Stats(), srv.Stats())
				}
			}
			return nil
		}
		if err := cli.Do(Command{Cmd: CmdConnect, Count: conns, InFlight: testInFlight}); err != nil {
			return err
		}
		if err := poll(func() bool { return done == 1 && srv.st.Established == conns }); err != nil {
			return err
		}
		if err := cli.Do(Command{Cmd: CmdTraffic, Bytes: 64, Interval: time.Millisecond, Duration: time.Hour, Fraction: 1}); err != nil {
			return err
		}
		round := func() error {
			want := cli.st.MsgAnswered + conns
			return poll(func() bool { return cli.st.MsgAnswered >= want })
		}
		for i := 0; i < 3; i++ { // warm up: event slices reach their size
			if err := round(); err != nil {
				return err
			}
		}
		answered, sent := cli.st.MsgAnswered, cli.st.MsgSent
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := round(); err != nil {
				return err
			}
		}
		b.StopTimer()
		n := cli.st.MsgAnswered - answered
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/msg")
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
		b.ReportMetric(float64(cli.st.MsgSent-sent)/float64(n), "sent/answered")
		b.Logf("rtt while flat out: %+v; errors %v", cli.rttHist.Percentiles(), cli.errs.snapshot())
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
