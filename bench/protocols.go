package main

import (
	"fmt"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// protocolCase is one protocol of the --protocols sitting: its name and
// the [client] keys of its request.
type protocolCase struct {
	name, proto, keys string
}

// protocolCases are every protocol, echo (the baseline) first.
var protocolCases = []protocolCase{
	{"echo", "echo", ""},
	{"websocket", "websocket", `request = "ping"`},
	{"mqtt", "mqtt", `request = "ping"`},
	{"mqtt-publish", "mqtt", "request = \"publish\"\ntopic = \"c1m/%d\""},
	{"http", "http", `path = "/"`},
	{"redis", "redis", `request = "ping"`},
	{"memcached", "memcached", `request = "mg"`},
	{"line", "line", ""},
}

// protocolVariants are million's topology and load once per protocol,
// built-in server and clients speaking it: connect (the handshake
// included), hold, close. What changes from one to the next is only what
// the protocol costs: the handshake's time and the workers' memory (the
// slot is the same 20 bytes for all; echo's includes the 8 bytes the
// protocols added).
func protocolVariants(conns int, hold string) []variant {
	var vs []variant
	for _, c := range protocolCases {
		server, client := "", ""
		if c.proto != "echo" {
			server = fmt.Sprintf("protocol = %q\n", c.proto)
			client = fmt.Sprintf("protocol = %q\n%s\n", c.proto, c.keys)
		}
		toml := fmt.Sprintf(`name = "bench-protocol-%s"
description = "million's load over %s"

[topology]
client-namespaces = 4
client-addresses = 8
server-addresses = 1
server-ports = 4

[host]
"net.ipv4.tcp_child_ehash_entries" = "1048576"

[server]
backlog = 8192
%s
[client]
connections = %d
%s
[[phase]]
kind = "connect"
timeout = "5m"

[[phase]]
kind = "hold"
duration = %q

[[phase]]
kind = "close"
side = "client"
timeout = "3m"

[expect]
min-established = %d
errors-absent = ["*"]
`, c.name, c.name, server, conns, client, hold, conns)
		vs = append(vs, variant{name: c.name, what: c.name + " over million's topology, built-in server and clients", toml: toml})
	}
	return vs
}

// protocolRows are the figures of the protocols sitting.
var protocolRows = []row{
	figure("peak established", "%.0f", func(s results.Summary) float64 { return float64(s.PeakEstablished) }),
	figure("ramp seconds", "%.1f", func(s results.Summary) float64 { return s.RampSeconds }),
	latencyRow("connect p99 ms", func(s results.Summary) *results.Latency { return s.Connect }, func(l *results.Latency) float64 { return l.P99 }),
	latencyRow("handshake p50 ms", func(s results.Summary) *results.Latency { return s.Handshake }, func(l *results.Latency) float64 { return l.P50 }),
	latencyRow("handshake p99 ms", func(s results.Summary) *results.Latency { return s.Handshake }, func(l *results.Latency) float64 { return l.P99 }),
	figure("user bytes per conn (PSS)", "%.0f", func(s results.Summary) float64 { return s.UserBytesPerConn }),
	figure("kernel bytes per conn", "%.0f", func(s results.Summary) float64 { return s.KernelBytesPerConn }),
	figure("close seconds", "%.1f", func(s results.Summary) float64 { return s.CloseSeconds }),
}
