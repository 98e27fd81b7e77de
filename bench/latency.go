package main

import (
	"fmt"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// latencyVariants are the two sides of the latency comparison: the same
// built-in clients and heartbeat against the testbed's epoll server
// echoing and against examples/goserver --echo.
func latencyVariants(conns int, interval, duration time.Duration) []variant {
	topo := `[topology]
client-namespaces = 4
client-addresses = 8
server-addresses = 1
server-ports = 4
`
	phases := fmt.Sprintf(`[client]
connections = %d

[[phase]]
kind = "connect"
timeout = "5m"

[[phase]]
kind = "traffic"
duration = "%s"
interval = "%s"
bytes = 64

[[phase]]
kind = "close"
side = "client"
timeout = "3m"

[expect]
min-established = %d
`, conns, duration, interval, conns)
	workers := (conns + perProcess - 1) / perProcess
	epoll := fmt.Sprintf("name = \"bench-epoll-echo\"\ndescription = \"the testbed's epoll server echoing a heartbeat\"\n\n%s\n[server]\non-data = \"echo\"\n\n%s", topo, phases)
	gor := fmt.Sprintf(`name = "bench-goroutine-echo"
description = "a goroutine-per-connection server echoing a heartbeat"

%s
[server]
command = ["{bin}/goserver", "--listen", "{addrs}", "--ports", "{ports}", "--echo"]
workers = %d
env = { GOMAXPROCS = "1" }

%s`, topo, workers, phases)
	return []variant{
		{name: "epoll-echo", what: "the testbed's epoll server echoing, built-in clients", toml: epoll},
		{name: "goroutine-echo", what: fmt.Sprintf("goroutine-per-connection server in echo mode (%d processes), built-in clients", workers), toml: gor},
	}
}

// latencyRows are the figures of the latency comparison, in milliseconds.
var latencyRows = []row{
	figure("peak established", "%.0f", func(s results.Summary) float64 { return float64(s.PeakEstablished) }),
	latencyRow("connect p50 ms", func(s results.Summary) *results.Latency { return s.Connect }, func(l *results.Latency) float64 { return l.P50 }),
	latencyRow("connect p99 ms", func(s results.Summary) *results.Latency { return s.Connect }, func(l *results.Latency) float64 { return l.P99 }),
	latencyRow("rtt p50 ms", func(s results.Summary) *results.Latency { return s.RTT }, func(l *results.Latency) float64 { return l.P50 }),
	latencyRow("rtt p90 ms", func(s results.Summary) *results.Latency { return s.RTT }, func(l *results.Latency) float64 { return l.P90 }),
	latencyRow("rtt p99 ms", func(s results.Summary) *results.Latency { return s.RTT }, func(l *results.Latency) float64 { return l.P99 }),
	latencyRow("rtt p99.9 ms", func(s results.Summary) *results.Latency { return s.RTT }, func(l *results.Latency) float64 { return l.P999 }),
	latencyRow("rtt max ms", func(s results.Summary) *results.Latency { return s.RTT }, func(l *results.Latency) float64 { return l.Max }),
	{"round trips", func(s results.Summary) (float64, bool) {
		if s.RTT == nil {
			return 0, false
		}
		return float64(s.RTT.Count), true
	}, "%.0f"},
	figure("user bytes per conn (PSS)", "%.0f", func(s results.Summary) float64 { return s.UserBytesPerConn }),
}

// latencyRow is a row of one percentile of a latency result, in ms.
func latencyRow(name string, of func(results.Summary) *results.Latency, pick func(*results.Latency) float64) row {
	return row{name, func(s results.Summary) (float64, bool) {
		l := of(s)
		if l == nil {
			return 0, false
		}
		return pick(l) * 1e3, true
	}, "%.3f"}
}
