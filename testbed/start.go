package testbed

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// readyTimeout bounds how long workers may take to start listening or
// to be ready to connect.
const readyTimeout = 60 * time.Second

// startWorkers starts the server workers in the server namespace, waits
// until they listen, then starts the client workers spread over the
// client namespaces and waits until they are ready.
func (r *runner) startWorkers(ctx context.Context, clients bool) error {
	if err := r.startServers(ctx); err != nil {
		return err
	}
	if !clients {
		r.progress.printf("started %d server workers", len(r.fleet.servers))
		return nil
	}
	if len(r.sc.Client.Command) > 0 {
		if err := r.startPrograms(roleClient); err != nil {
			return err
		}
	} else if err := r.startClients(ctx); err != nil {
		return err
	}
	r.progress.printf("started %d server and %d client workers", len(r.fleet.servers), len(r.fleet.clients))
	return nil
}

// startServers starts the server role: the external program and a wait
// until its ports listen, or the built-in workers.
func (r *runner) startServers(ctx context.Context) error {
	if len(r.sc.Server.Command) > 0 {
		if err := r.startPrograms(roleServer); err != nil {
			return err
		}
		return r.waitListening(ctx)
	}
	srvAddrs := addrStrings(r.topo.Server.Addrs)
	for i := 0; i < r.plan.ServerWorkers; i++ {
		w, err := startWorker(r.opt.Exe, roleServer, i, r.topo.Server.Name, r.joiner(roleServer), r.fleet.events)
		if err != nil {
			return err
		}
		r.fleet.servers = append(r.fleet.servers, w)
	}
	cfg := nodes.ServerConfig{Addrs: srvAddrs, Ports: r.sc.Topology.ServerPorts, Backlog: r.sc.Server.Backlog,
		OnData: r.sc.Server.OnData, Reply: r.sc.Server.Reply, FDLimit: r.sc.Server.FDLimit,
		AcceptRate: r.acceptRatePerWorker(), ConnBuffer: int(r.sc.Server.ConnBuffer),
		Protocol: r.sc.Server.Protocol, ProtoOptions: serverProto(r.sc), Listen: r.sc.Server.Listen,
		Engine: r.plan.ServerEngine}
	if cfg.Protocol != nodes.ProtoEcho {
		cfg.OnData = "" // the protocol answers
	}
	if err := r.startAndWait(ctx, roleServer, func(int) nodes.Command {
		return nodes.Command{Cmd: nodes.CmdStart, Server: &cfg}
	}); err != nil {
		return fmt.Errorf("server workers did not start listening: %w", err)
	}
	return nil
}

// startClients starts the built-in client workers and waits until they are ready.
func (r *runner) startClients(ctx context.Context) error {
	srvAddrs := addrStrings(r.topo.Server.Addrs)
	n := len(r.topo.Clients)
	explicit := r.explicitPorts()
	for i := 0; i < r.plan.ClientWorkers; i++ {
		ns := r.topo.Clients[i%n].Name
		w, err := startWorker(r.opt.Exe, roleClient, i, ns, r.joiner(roleClient), r.fleet.events)
		if err != nil {
			return err
		}
		r.fleet.clients = append(r.fleet.clients, w)
	}
	base := 0
	if err := r.startAndWait(ctx, roleClient, func(i int) nodes.Command {
		c := nodes.ClientConfig{Servers: srvAddrs,
			Ports: r.sc.Topology.ServerPorts, Message: r.sc.Client.Message, IndexBase: base,
			Strategy: r.sc.Client.SourceStrategy, Retries: r.sc.Client.Retries, FDLimit: r.sc.Client.FDLimit,
			Protocol: r.sc.Client.Protocol, ProtoOptions: clientProto(r.sc)}
		clientSources(&c, r.topo.Clients[i%n], r.sc.Topology.ClientAddresses)
		reconnect(&c, r.sc)
		base += share(r.sc.Client.Connections, r.plan.ClientWorkers, i)
		if explicit {
			// Worker i is in namespace i mod n, with share(...) others there.
			c.PortLow, c.PortHigh = portSlice(r.plan.PortLow, r.plan.PortHigh, i/n, share(r.plan.ClientWorkers, n, i%n))
		}
		return nodes.Command{Cmd: nodes.CmdStart, Client: &c}
	}); err != nil {
		return fmt.Errorf("client workers did not get ready: %w", err)
	}
	return nil
}

// startAndWait sends each worker of a role its start command and waits
// for every "ready" event.
func (r *runner) startAndWait(ctx context.Context, role string, build func(i int) nodes.Command) error {
	waiting := map[*worker]bool{}
	if err := r.fleet.broadcast(role, func(i int, w *worker) nodes.Command {
		waiting[w] = true
		return build(i)
	}); err != nil {
		return err
	}
	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	for len(waiting) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%d %s workers not ready after %s", len(waiting), role, readyTimeout)
		case ev := <-r.fleet.events:
			switch ev.event {
			case nodes.EventReady:
				delete(waiting, ev.w)
			case nodes.EventError:
				return fmt.Errorf("%s worker %d: %s", ev.w.role, ev.w.index, ev.detail)
			case "exit":
				return errWorkerDied{ev.w}
			}
		}
	}
	return nil
}

// explicitPorts reports whether client workers pick their own source
// ports: asked for, or "auto" on a kernel with IP_LOCAL_PORT_RANGE. AnyIP
// sources always leave it to the kernel: there are too many tuples to
// keep a cursor each, and with that many sources the kernel's search for
// a free port is short anyway.
func (r *runner) explicitPorts() bool {
	if r.sc.Topology.ClientSources == scenarios.SourcesAnyIP {
		return false
	}
	switch r.sc.Client.PortSelection {
	case "kernel":
		return false
	case "explicit":
		return true
	}
	return hasLocalPortRange()
}

// portSlice gives worker k of m sharing a namespace its own slice of
// [low, high], so workers never pick the same source port.
func portSlice(low, high, k, m int) (int, int) {
	if m <= 1 || high < low {
		return low, high
	}
	size := (high - low + 1) / m
	if size < 1 {
		return low, high
	}
	lo := low + k*size
	return lo, lo + size - 1
}

// hasLocalPortRange reports whether the kernel knows IP_LOCAL_PORT_RANGE (6.3+).
func hasLocalPortRange() bool {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_LOCAL_PORT_RANGE, 0) == nil
}

// acceptRatePerWorker splits the scenario's accept rate over the server workers.
func (r *runner) acceptRatePerWorker() int {
	if r.sc.Server.AcceptRate <= 0 || r.plan.ServerWorkers <= 0 {
		return 0
	}
	return max(1, r.sc.Server.AcceptRate/r.plan.ServerWorkers)
}

// clientSources gives c the sources of client namespace ns: its addresses,
// or with AnyIP its IPv4 addresses (dual stack) and count sources from
// its /64, bound without being added (the link's own IPv6 address is the
// server's gateway, not a source).
func clientSources(c *nodes.ClientConfig, ns topology.Namespace, count int) {
	if !ns.SourcePrefix.IsValid() {
		c.Sources = addrStrings(ns.Addrs)
		return
	}
	for _, a := range ns.Addrs {
		if a.Is4() {
			c.Sources = append(c.Sources, a.String())
		}
	}
	c.SourcePrefix, c.SourceCount = ns.SourcePrefix.String(), count
}
