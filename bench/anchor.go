package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// The anchor is a minimal C epoll server and client (bench/anchor/*.c),
// built with the machine's C compiler at bench time and run as million's
// [server] and [client] command on million's topology and phases: the
// floor an event loop can reach on this kernel, against which the
// product's own workers are measured.

// anchorSources are the C programs, built into the bench's bin directory
// under the names the scenario's commands use.
var anchorSources = map[string]string{
	"anchor-server": "bench/anchor/server.c",
	"anchor-client": "bench/anchor/client.c",
}

// buildAnchor compiles the C programs into bin with cc (or $CC).
func buildAnchor(bin string) error {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		return fmt.Errorf("the anchor needs a C compiler: %s not found (install gcc or clang, or set CC): %w", cc, err)
	}
	for name, src := range anchorSources {
		build := exec.Command(cc, "-O2", "-Wall", "-o", filepath.Join(bin, name), src)
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("failed to compile %s with %s (run bench from the repository root): %w", src, cc, err)
		}
	}
	return nil
}

// anchorVariants are the runs of an anchor sitting: pairs × (the C pair,
// then the README's `c1m-testbed run million`), at scale f of million.
// The C programs get the product's plan: as many processes per role, the
// same port range and in-flight cap, so the two differ only in the code.
func anchorVariants(f float64, pairs int) ([]variant, error) {
	sc, err := scenarios.Load("million")
	if err != nil {
		return nil, err
	}
	sc = sc.Scaled(f)
	p, err := plan.New(sc, testbed.ProbeEnv())
	if err != nil {
		return nil, fmt.Errorf("million at scale %g does not plan here: %w", f, err)
	}
	c := anchorTOML(sc, p)
	var product []string
	if f != 1 {
		product = []string{"--scale", fmt.Sprint(f)}
	}
	var vs []variant
	for i := 1; i <= pairs; i++ {
		vs = append(vs,
			variant{name: fmt.Sprintf("anchor-%d", i), what: fmt.Sprintf("minimal C epoll server (%d processes) and client (%d processes)", p.ServerWorkers, p.ClientWorkers), toml: c},
			variant{name: fmt.Sprintf("product-%d", i), what: "c1m-testbed run million, the README's first command", builtin: "million", args: product})
	}
	return vs, nil
}

// anchorTOML is million with the C programs as its server and client.
func anchorTOML(sc *scenarios.Scenario, p *plan.Plan) string {
	tp := sc.Topology
	var host strings.Builder
	for k, v := range sc.Host {
		fmt.Fprintf(&host, "%q = %q\n", k, v)
	}
	return fmt.Sprintf(`name = "anchor"
description = "million's topology and phases with a minimal C epoll server and client"

[topology]
client-namespaces = %d
client-addresses = %d
server-addresses = %d
server-ports = %d

[host]
%s
[server]
command = ["{bin}/anchor-server", "--listen", "{addrs}", "--ports", "{ports}"]
workers = %d

[client]
connections = %d
command = ["{bin}/anchor-client", "--sources", "{sources}", "--servers", "{addrs}", "--ports", "{ports}",
  "--connections", "{connections}", "--worker", "{worker}", "--workers", "{workers}", "--namespaces", "%d",
  "--port-low", "%d", "--port-high", "%d", "--in-flight", "%d"]
workers = %d

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
`, tp.ClientNamespaces, tp.ClientAddresses, tp.ServerAddresses, len(tp.ServerPorts), host.String(),
		p.ServerWorkers, sc.Client.Connections, tp.ClientNamespaces, p.PortLow, p.PortHigh, p.InFlightPerWorker,
		p.ClientWorkers, sc.Client.Connections)
}
