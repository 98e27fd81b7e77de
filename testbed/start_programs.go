package testbed

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// defaultReadyTimeout bounds how long an external server may take to
// open every listening port.
const defaultReadyTimeout = 30 * time.Second

// startPrograms starts the external program of a role: W copies, the
// clients spread over the client namespaces with their share of the
// connections.
func (r *runner) startPrograms(role string) error {
	argv, env, fdLimit := r.sc.Server.Command, r.sc.Server.Env, r.sc.Server.FDLimit
	if role == roleClient {
		argv, env, fdLimit = r.sc.Client.Command, r.sc.Client.Env, r.sc.Client.FDLimit
	}
	prog, err := resolveProgram(role, argv[0], r.binDir())
	if err != nil {
		return err
	}
	raiseFDLimit()
	n := externalWorkers(r.sc, role)
	site, err := r.programSite(argv)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		ns, sources := r.topo.Server.Name, []string(nil)
		c, conns := placement(r.sc, role, i, n)
		if role == roleClient {
			ns, sources = r.topo.Clients[c].Name, addrStrings(r.topo.Clients[c].Addrs)
		}
		vars := programVars(role, i, n, ns, site, sources, conns)
		args, err := expandArgs(argv[1:], vars)
		if err != nil {
			return err
		}
		w, err := startProgram(role, i, ns, append([]string{prog}, args...), programEnv(os.Environ(), env, vars), fdLimit, r.joiner(role), r.fleet.events)
		if err != nil {
			return err
		}
		if role == roleServer {
			r.fleet.servers = append(r.fleet.servers, w)
		} else {
			r.fleet.clients = append(r.fleet.clients, w)
		}
	}
	if role == roleClient {
		r.clientsStarted = time.Now()
	}
	r.progress.printf("started %d %s program(s): %s", n, role, prog)
	return nil
}

// programSite gathers what every copy of a run's programs shares; it
// makes the run's private directory ({tmp}) when argv uses it, inside the
// run's record directory, which teardown and clean remove.
func (r *runner) programSite(argv []string) (programSite, error) {
	site := programSite{runID: r.runID, bin: r.binDir(), dir: scenarioDir(r.sc.Source), tmp: runTmp(r.runID),
		srvAddrs: addrStrings(r.topo.Server.Addrs), ports: r.sc.Topology.ServerPorts}
	if scenarios.UsesPlaceholder(argv, "tmp") {
		if err := os.MkdirAll(site.tmp, 0o700); err != nil {
			return site, fmt.Errorf("failed to create the run's directory for {tmp}: %w", err)
		}
	}
	return site, nil
}

// scenarioDir is the absolute directory of a scenario file ({dir}); ""
// for a built-in scenario.
func scenarioDir(source string) string {
	if strings.HasPrefix(source, "builtin:") {
		return ""
	}
	abs, err := filepath.Abs(source)
	if err != nil {
		return ""
	}
	return filepath.Dir(abs)
}

// runTmp is the run's private directory ({tmp}), inside its record
// directory under topology.RunDir.
func runTmp(runID string) string { return filepath.Join(topology.RunDir, runID, "tmp") }

// binDir is the directory of the c1m-testbed binary ({bin}).
func (r *runner) binDir() string {
	exe := r.opt.Exe
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return filepath.Dir(exe)
}

// waitListening waits until every server port listens in the server
// namespace, and fails when a server program ends first or the ports are
// not open within the ready timeout.
func (r *runner) waitListening(ctx context.Context) error {
	timeout := r.opt.ReadyTimeout
	if timeout <= 0 {
		timeout = defaultReadyTimeout
	}
	ports := r.sc.Topology.ServerPorts
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, w := range r.fleet.servers {
			if !w.alive() {
				return fmt.Errorf("%w before its ports %v were open", errWorkerDied{w}, ports)
			}
		}
		miss := missingPorts(ports, measure.ListeningPorts(r.fleet, measure.Namespace(r.topo.Server.Name)))
		if len(miss) == 0 {
			r.progress.printf("server program listens on every port %v", ports)
			return nil
		}
		if time.Now().After(deadline) {
			w := r.fleet.servers[0]
			msg := fmt.Sprintf("%s did not open port(s) %v in %s within %s", w.describe(), miss, r.topo.Server.Name, timeout)
			if t := lastLines(w.tail.String(), 5); t != "" {
				msg += "; its last output: " + t
			}
			return fmt.Errorf("%s: check that it listens on the addresses and ports it was given ({addrs}, {ports})", msg)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-r.fleet.events:
			r.handleEvent(ev)
		case <-tick.C:
		}
	}
}

// missingPorts lists the ports of want that are not in have.
func missingPorts(want []int, have map[int]bool) []int {
	var miss []int
	for _, p := range want {
		if !have[p] {
			miss = append(miss, p)
		}
	}
	return miss
}
