package testbed

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// startClientsHere starts the built-in client workers in this network
// namespace (no setns: a pod may not have the right to) and waits until
// they are ready. Worker i gets its share of the connections, indexes
// from the shard's base on, and its own slice of the shard's ports.
func (r *runner) startClientsHere(ctx context.Context) error {
	for i := 0; i < r.plan.ClientWorkers; i++ {
		w, err := startWorker(r.opt.Exe, roleClient, i, string(measure.Here), nil, r.fleet.events)
		if err != nil {
			return err
		}
		r.fleet.clients = append(r.fleet.clients, w)
	}
	srv := addrStrings(r.opt.InPlace.Target.Addrs)
	src := addrStrings(r.sources)
	explicit := r.explicitPorts()
	base := r.base
	err := r.startAndWait(ctx, roleClient, func(i int) nodes.Command {
		c := nodes.ClientConfig{Sources: src, Servers: srv, Ports: r.sc.Topology.ServerPorts, Message: r.sc.Client.Message,
			IndexBase: base, Strategy: r.sc.Client.SourceStrategy, Retries: r.sc.Client.Retries, FDLimit: r.sc.Client.FDLimit,
			Protocol: r.sc.Client.Protocol, ProtoOptions: clientProto(r.sc)}
		reconnect(&c, r.sc)
		base += share(r.sc.Client.Connections, r.plan.ClientWorkers, i)
		if explicit {
			c.PortLow, c.PortHigh = portSlice(r.plan.PortLow, r.plan.PortHigh, i, r.plan.ClientWorkers)
		}
		return nodes.Command{Cmd: nodes.CmdStart, Client: &c}
	})
	if err != nil {
		return fmt.Errorf("client workers did not get ready: %w", err)
	}
	return nil
}

// hereSpawner starts workers from one OS thread locked for the life of
// the process, so that their Pdeathsig means "the orchestrator died"
// (a child's parent-death signal fires when the thread that forked it
// ends, and Go ends the threads of goroutines that exit locked).
var hereSpawner struct {
	once sync.Once
	reqs chan func()
}

// startHere starts cmd in its own process group, dying with this process.
func startHere(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	hereSpawner.once.Do(func() {
		hereSpawner.reqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for f := range hereSpawner.reqs {
				f()
			}
		}()
	})
	done := make(chan error, 1)
	hereSpawner.reqs <- func() { done <- cmd.Start() }
	return <-done
}

// localAddrs lists the global unicast IPv4 addresses of this network
// namespace's interfaces (a pod's IP; a lab node's client addresses).
func localAddrs() ([]netip.Addr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("failed to list this namespace's interfaces (give the sources with --source): %w", err)
	}
	var out []netip.Addr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		as, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range as {
			p, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			if ip := p.Addr().Unmap(); ip.IsGlobalUnicast() {
				out = append(out, ip)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no global IPv4 or IPv6 address on this network namespace's interfaces: give the sources with --source ADDR", scenarios.ErrInvalid)
	}
	return out, nil
}

// localPortRange reads this namespace's net.ipv4.ip_local_port_range.
func localPortRange() (int, int, error) {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0, fmt.Errorf("%w: failed to read this namespace's ip_local_port_range: %w", ErrRefused, err)
	}
	f := strings.Fields(string(data))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("%w: ip_local_port_range reads %q", ErrRefused, data)
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || lo > hi {
		return 0, 0, fmt.Errorf("%w: ip_local_port_range reads %q", ErrRefused, data)
	}
	return lo, hi, nil
}
