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

// anchorConfig is one pairing of the roles in an anchor sitting.
type anchorConfig struct {
	slug, name       string
	cServer, cClient bool // the role runs the C program (else the product's workers)
}

// anchorConfigs are the role swap of a sitting, in the order each round
// runs them: both C, both ours, then each mix, so a sitting says which
// side holds the gap (ours/C of each mix against C/C).
var anchorConfigs = []anchorConfig{
	{"c-c", "C/C", true, true},
	{"ours-ours", "ours/ours", false, false},
	{"c-ours", "C srv, our cli", true, false},
	{"ours-c", "our srv, C cli", false, true},
}

// anchorVariants are the runs of an anchor sitting: pairs rounds of
// anchorConfigs (both roles C, both ours as the README's `c1m-testbed run
// million`, and the two mixes), at scale f of million. The C programs get
// the product's plan: as many processes per role, the same port range
// and in-flight cap, so the roles differ only in the code.
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
	var product []string
	if f != 1 {
		product = []string{"--scale", fmt.Sprint(f)}
	}
	side := func(c bool, role string, n int) string {
		if c {
			return fmt.Sprintf("minimal C epoll %s (%d processes)", role, n)
		}
		return fmt.Sprintf("the product's %s workers", role)
	}
	var vs []variant
	for i := 1; i <= pairs; i++ {
		for _, c := range anchorConfigs {
			v := variant{name: fmt.Sprintf("%s-%d", c.slug, i), what: side(c.cServer, "server", p.ServerWorkers) + ", " + side(c.cClient, "client", p.ClientWorkers)}
			if c.cServer || c.cClient {
				v.toml = anchorTOML(sc, p, c.cServer, c.cClient)
			} else {
				v.what, v.builtin, v.args = "c1m-testbed run million, the README's first command", "million", product
			}
			vs = append(vs, v)
		}
	}
	return vs, nil
}

// anchorTOML is million with the C programs as its server (cServer)
// and its client (cClient); a role that is not C keeps million's built-in
// settings.
func anchorTOML(sc *scenarios.Scenario, p *plan.Plan, cServer, cClient bool) string {
	tp := sc.Topology
	server := fmt.Sprintf("command = [\"{bin}/anchor-server\", \"--listen\", \"{addrs}\", \"--ports\", \"{ports}\"]\nworkers = %d\n", p.ServerWorkers)
	if !cServer {
		server = fmt.Sprintf("workers = 0\nbacklog = %d\n", sc.Server.Backlog)
	}
	client := fmt.Sprintf(`command = ["{bin}/anchor-client", "--sources", "{sources}", "--servers", "{addrs}", "--ports", "{ports}",
  "--connections", "{connections}", "--worker", "{worker}", "--workers", "{workers}", "--namespaces", "%d",
  "--port-low", "%d", "--port-high", "%d", "--in-flight", "%d"]
workers = %d
`, tp.ClientNamespaces, p.PortLow, p.PortHigh, p.InFlightPerWorker, p.ClientWorkers)
	if !cClient {
		client = "workers = 0\nconnect-rate = 0\n"
	}
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
`, tp.ClientNamespaces, tp.ClientAddresses, tp.ServerAddresses, len(tp.ServerPorts), host.String(),
		server, sc.Client.Connections, client, sc.Client.Connections)
}
