package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// The anchor is a minimal C epoll server and client (bench/anchor/server.c,
// client.c),
// built with the machine's C compiler at bench time and run as million's
// [server] and [client] command on million's topology and phases: the
// floor an event loop can reach on this kernel, against which the
// product's own workers are measured. With --uring a minimal C io_uring
// server and client (bench/anchor/*_uring.c) join each round, to measure
// whether an io_uring engine beats epoll per connection.

// anchorSources are the C programs, built into the bench's bin directory
// under the names the scenario's commands use.
var anchorSources = map[string]string{
	"anchor-server": "bench/anchor/server.c",
	"anchor-client": "bench/anchor/client.c",
}

// uringSources are the C io_uring programs (raw system calls, no
// liburing), built beside anchorSources when withUring is set.
var uringSources = map[string]string{
	"anchor-server-uring": "bench/anchor/server_uring.c",
	"anchor-client-uring": "bench/anchor/client_uring.c",
}

// withUring is set by an anchor sitting with --uring: buildAnchor builds
// uringSources too, and each round runs uringConfigs.
var withUring bool

// buildAnchor compiles the C programs into bin with cc (or $CC).
func buildAnchor(bin string) error {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		return fmt.Errorf("the anchor needs a C compiler: %s not found (install gcc or clang, or set CC): %w", cc, err)
	}
	srcs := maps.Clone(anchorSources)
	if withUring {
		maps.Copy(srcs, uringSources)
	}
	for name, src := range srcs {
		build := exec.Command(cc, "-O2", "-Wall", "-o", filepath.Join(bin, name), src)
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("failed to compile %s with %s (run bench from the repository root): %w", src, cc, err)
		}
	}
	return nil
}

// impl is what plays a role in an anchor run.
type impl int

const (
	ours   impl = iota // the product's workers, million's built-in settings
	cEpoll             // the minimal C epoll program (server.c, client.c)
	cUring             // the minimal C io_uring program (server_uring.c, client_uring.c)
)

// program is the C program of role ("server" or "client") for i, as
// bin names it; "" for ours.
func (i impl) program(role string) string {
	switch i {
	case cEpoll:
		return "anchor-" + role
	case cUring:
		return "anchor-" + role + "-uring"
	}
	return ""
}

// engine names i's event engine: "epoll", "io_uring", or "built-in".
func (i impl) engine() string {
	switch i {
	case cEpoll:
		return "epoll"
	case cUring:
		return "io_uring"
	}
	return "built-in"
}

// describe says what plays role for i, with n processes.
func (i impl) describe(role string, n int) string {
	if i == ours {
		return fmt.Sprintf("the product's %s workers", role)
	}
	return fmt.Sprintf("minimal C %s %s (%d processes)", i.engine(), role, n)
}

// anchorConfig is one pairing of the roles in an anchor sitting.
type anchorConfig struct {
	slug, name     string
	server, client impl
}

// anchorConfigs are the role swap of a sitting, in the order each round
// runs them: both C, both ours, then each mix, so a sitting says which
// side holds the gap (ours/C of each mix against C/C).
var anchorConfigs = []anchorConfig{
	{"c-c", "C/C", cEpoll, cEpoll},
	{"ours-ours", "ours/ours", ours, ours},
	{"c-ours", "C srv, our cli", cEpoll, ours},
	{"ours-c", "our srv, C cli", ours, cEpoll},
}

// uringConfigs follow anchorConfigs in each round of a sitting with
// --uring: both roles C io_uring, then io_uring on one side against C
// epoll on the other, so the sitting says which side io_uring helps.
var uringConfigs = []anchorConfig{
	{"uring-uring", "uring/uring", cUring, cUring},
	{"uring-c", "uring srv, C cli", cUring, cEpoll},
	{"c-uring", "C srv, uring cli", cEpoll, cUring},
}

// roundConfigs are the runs of one round: anchorConfigs, then
// uringConfigs when uring.
func roundConfigs(uring bool) []anchorConfig {
	cs := slices.Clone(anchorConfigs)
	if uring {
		cs = append(cs, uringConfigs...)
	}
	return cs
}

// anchorVariants are the runs of an anchor sitting: pairs rounds of
// roundConfigs(uring) (both roles C, both ours as the README's
// `c1m-testbed run million`, the two mixes, and with uring the C io_uring
// pair and its mixes with C epoll), at scale f of million. The C programs
// get the product's plan: as many processes per role, the same port
// range and in-flight cap, so the roles differ only in the code.
func anchorVariants(f float64, pairs int, uring bool) ([]variant, error) {
	sc, err := scenarios.Load("million")
	if err != nil {
		return nil, err
	}
	sc = sc.Scaled(f)
	p, err := plan.New(sc, testbed.ProbeEnv())
	if err != nil {
		return nil, fmt.Errorf("million at scale %g does not plan here: %w", f, err)
	}
	var product []string
	if f != 1 {
		product = []string{"--scale", fmt.Sprint(f)}
	}
	var vs []variant
	for i := 1; i <= pairs; i++ {
		for _, c := range roundConfigs(uring) {
			v := variant{name: fmt.Sprintf("%s-%d", c.slug, i),
				what: c.server.describe("server", p.ServerWorkers) + ", " + c.client.describe("client", p.ClientWorkers)}
			if c.server != ours || c.client != ours {
				v.toml = anchorTOML(sc, p, c.server, c.client)
			} else {
				v.what, v.builtin, v.args = "c1m-testbed run million, the README's first command", "million", product
			}
			vs = append(vs, v)
		}
	}
	return vs, nil
}

// anchorTOML is million with a C program as its server and its client
// (cEpoll or cUring); a role played by ours keeps million's built-in
// settings.
func anchorTOML(sc *scenarios.Scenario, p *plan.Plan, srv, cli impl) string {
	tp := sc.Topology
	server := fmt.Sprintf("command = [\"{bin}/%s\", \"--listen\", \"{addrs}\", \"--ports\", \"{ports}\"]\nworkers = %d\n", srv.program("server"), p.ServerWorkers)
	if srv == ours {
		server = fmt.Sprintf("workers = 0\nbacklog = %d\n", sc.Server.Backlog)
	}
	client := fmt.Sprintf(`command = ["{bin}/%s", "--sources", "{sources}", "--servers", "{addrs}", "--ports", "{ports}",
  "--connections", "{connections}", "--worker", "{worker}", "--workers", "{workers}", "--namespaces", "%d",
  "--port-low", "%d", "--port-high", "%d", "--in-flight", "%d"]
workers = %d
`, cli.program("client"), tp.ClientNamespaces, p.PortLow, p.PortHigh, p.InFlightPerWorker, p.ClientWorkers)
	if cli == ours {
		client = "workers = 0\nconnect-rate = 0\n"
	}
	what := "a minimal C epoll server and client"
	if srv == cUring || cli == cUring {
		what = fmt.Sprintf("minimal C programs (server: %s, client: %s)", srv.engine(), cli.engine())
	}
	var host strings.Builder
	for k, v := range sc.Host {
		fmt.Fprintf(&host, "%q = %q\n", k, v)
	}
	return fmt.Sprintf(`name = "anchor"
description = "million's topology and phases with %s"

[topology]
client-namespaces = %d
client-addresses = %d
server-addresses = %d
server-ports = %d

[host]
%s
[server]
%s
[client]
connections = %d
%s
[[phase]]
kind = "connect"
timeout = "5m"

[[phase]]
kind = "hold"
duration = "10s"

[[phase]]
kind = "close"
side = "client"
timeout = "2m"

[expect]
min-established = %d
close-within = "60s"
`, what, tp.ClientNamespaces, tp.ClientAddresses, tp.ServerAddresses, len(tp.ServerPorts), host.String(),
		server, sc.Client.Connections, client, sc.Client.Connections)
}
