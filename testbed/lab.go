package testbed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// LabFile and LabLog are the lab's description and its owner's log, in
// the run's record directory (topology.RunDir/<run id>/).
const (
	LabFile = "lab.json"
	LabLog  = "log"
)

// Lab describes a laboratory that is up (c1m-testbed up), as its owner
// wrote it to LabFile.
type Lab struct {
	RunID    string    `json:"run_id"`
	Scenario string    `json:"scenario"`
	Source   string    `json:"source"`
	OwnerPID int       `json:"owner_pid"`
	Started  time.Time `json:"started"`
	// Log is the owner's log file; it goes away with the lab.
	Log     string    `json:"log"`
	Ports   []int     `json:"ports"`
	Server  LabNode   `json:"server"`
	Clients []LabNode `json:"clients"`
	Workers []LabProc `json:"workers"`
	// Connect says how the clients' connect went, when clients were started.
	Connect string `json:"connect,omitempty"`
	// Actions are the privileged actions the lab took (host settings with
	// their old and new values, namespaces, programs run as root).
	Actions []results.Action `json:"privileged_actions,omitempty"`
}

// LabNode is one namespace of a lab: its short node name (srv, c1, c2…),
// namespace name and addresses.
type LabNode struct {
	Node      string   `json:"node"`
	Namespace string   `json:"namespace"`
	Addrs     []string `json:"addrs"`
}

// LabProc is one process a lab runs.
type LabProc struct {
	Role      string `json:"role"`
	Index     int    `json:"index"`
	Namespace string `json:"namespace"`
	PID       int    `json:"pid"`
	// Command is an external program's command line; empty for a built-in node.
	Command string `json:"command,omitempty"`
}

// Up builds the laboratory of opt.Scenario, applies its host settings
// (journaled), starts the servers — and the clients, connecting every
// client connection, when clients is true — writes LabFile, calls ready,
// and keeps the lab up until ctx is done. Then it stops every process,
// tears down, restores the host and returns. Progress goes to opt.Progress
// and to the lab's log. An error wrapping ErrRefused or
// scenarios.ErrInvalid means nothing was built; any error before ready
// was called means the lab was torn down again.
func Up(ctx context.Context, opt Options, clients bool, ready func(*Lab)) error {
	r, err := newRunner(opt)
	if err != nil {
		return err
	}
	sc := r.sc
	if err := r.claim(); err != nil {
		return err
	}
	r.dir = r.owner.Dir
	if r.out, err = results.OpenDir(r.owner.Dir); err != nil {
		r.owner.Release()
		return fmt.Errorf("%w: failed to open the lab's directory: %w", ErrRefused, err)
	}
	defer r.out.Close()
	logPath := filepath.Join(r.owner.Dir, LabLog)
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		r.owner.Release()
		return fmt.Errorf("%w: failed to open the lab log %s: %w", ErrRefused, logPath, err)
	}
	defer logFile.Close()
	var out io.Writer = logFile
	if opt.Progress != nil {
		out = io.MultiWriter(opt.Progress, logFile)
	}
	r.progress = newProgress(out, false)
	r.progress.printf("c1m-testbed up: lab %s, scenario %s (%s), owner pid %d; %s",
		r.runID, sc.Name, sc.Source, os.Getpid(), r.describeRoles())
	if r.scaleNote != "" {
		r.progress.printf("note: %s", r.scaleNote)
	}
	if err := r.takeHost(ctx); err != nil {
		return err
	}

	r.env = probeRecordEnv(hostKeys(sc))
	r.announce(r.env.SysctlsBefore)
	lab, failure := r.bringUp(ctx, clients)
	if failure == nil {
		lab.Log = logPath
		lab.Actions = recordActions(r.actions, r.hostSet)
		if err := writeLab(filepath.Join(r.owner.Dir, LabFile), lab); err != nil {
			failure = err
		}
	}
	if failure == nil {
		r.progress.printf("lab %s is up: 'c1m-testbed exec srv -- ss -s', 'c1m-testbed status', 'c1m-testbed down %s'", r.runID, r.runID)
		if ready != nil {
			ready(lab)
		}
		r.idle(ctx)
		r.progress.printf("lab %s: stopping", r.runID)
	}
	c := r.shutDown()
	errs := c.failures()
	if failure != nil {
		errs = append([]string{failure.Error()}, errs...)
	}
	r.progress.printf("lab %s down: host restored: %v, leftovers: %d", r.runID, c.restored, len(c.left))
	if len(errs) > 0 {
		err := errors.New(strings.Join(errs, "; "))
		r.progress.printf("lab %s: %v", r.runID, err)
		if failure != nil && errors.Is(failure, ErrProgram) {
			return fmt.Errorf("%w: %w", ErrProgram, err)
		}
		return err
	}
	return nil
}

// idle waits until ctx is done, logging processes that end meanwhile.
func (r *runner) idle(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-r.fleet.events:
			r.handleEvent(ev)
		}
	}
}

// bringUp builds the lab and starts its processes.
func (r *runner) bringUp(ctx context.Context, clients bool) (*Lab, error) {
	if err := r.build(ctx); err != nil {
		return nil, err
	}
	r.setPhase("start")
	if err := r.startWorkers(ctx, clients); err != nil {
		return nil, err
	}
	lab := &Lab{RunID: r.runID, Scenario: r.sc.Name, Source: r.sc.Source, OwnerPID: os.Getpid(), Started: r.start,
		Ports:  r.sc.Topology.ServerPorts,
		Server: LabNode{Node: "srv", Namespace: r.topo.Server.Name, Addrs: addrStrings(r.topo.Server.Addrs)}}
	for i, c := range r.topo.Clients {
		lab.Clients = append(lab.Clients, LabNode{Node: fmt.Sprintf("c%d", i+1), Namespace: c.Name, Addrs: addrStrings(c.Addrs)})
	}
	if clients {
		pr := r.runPhase(ctx, 0, scenarios.Phase{Kind: scenarios.PhaseConnect, Name: "connect", Timeout: scenarios.DefaultPhaseTimeout})
		lab.Connect = fmt.Sprintf("%s: %d of %d established after %.1fs", pr.Outcome, pr.Reached, pr.Target, pr.Seconds)
		if pr.Detail != "" {
			lab.Connect += " (" + pr.Detail + ")"
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	for _, w := range r.fleet.all() {
		lab.Workers = append(lab.Workers, LabProc{Role: w.role, Index: w.index, Namespace: w.namespace, PID: w.pid(), Command: strings.Join(w.argv, " ")})
	}
	return lab, nil
}

// writeLab writes the lab's description atomically, never through a
// symbolic link (writeNew).
func writeLab(path string, lab *Lab) error {
	data, err := json.MarshalIndent(lab, "", "  ")
	if err != nil {
		return err
	}
	if err := writeNew(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("failed to write the lab description %s: %w", path, err)
	}
	return nil
}

// LabInfo is a lab found on the host: its description, and whether its
// owner still runs.
type LabInfo struct {
	Lab
	// Alive is true while the owner process runs.
	Alive bool
}

// Labs lists the labs on this host (runs with a LabFile), live or dead.
func Labs() ([]LabInfo, error) {
	runs, err := topology.Runs()
	if err != nil {
		return nil, err
	}
	var out []LabInfo
	for _, ri := range runs {
		data, err := os.ReadFile(filepath.Join(ri.Dir, LabFile))
		if err != nil {
			continue // a plain run, or a lab still starting
		}
		var l LabInfo
		if err := json.Unmarshal(data, &l.Lab); err != nil {
			continue
		}
		l.Alive = ri.Alive && ri.PID == l.OwnerPID
		out = append(out, l)
	}
	return out, nil
}

// FindLab picks the live lab named runID, or the only live lab when runID
// is empty; otherwise the error wraps ErrNoLab and says what to do.
func FindLab(runID string) (*LabInfo, error) {
	labs, err := Labs()
	if err != nil {
		return nil, err
	}
	var live []LabInfo
	for _, l := range labs {
		if l.Alive && (runID == "" || l.RunID == runID) {
			live = append(live, l)
		}
	}
	switch {
	case len(live) == 1:
		return &live[0], nil
	case len(live) == 0 && runID != "":
		return nil, noLab("no lab %s is up: 'c1m-testbed status' lists the labs", runID)
	case len(live) == 0:
		return nil, noLab("no lab is up: start one with 'sudo c1m-testbed up SCENARIO'")
	}
	ids := make([]string, len(live))
	for i, l := range live {
		ids[i] = l.RunID
	}
	return nil, noLab("%d labs are up (%s): name one with --run ID", len(live), strings.Join(ids, ", "))
}

// Namespace maps a node name of the lab (srv, server, c1, c2…, or a full
// namespace name of the lab) to its namespace.
func (l *Lab) Namespace(node string) (string, error) {
	if node == "srv" || node == "server" || node == l.Server.Namespace {
		return l.Server.Namespace, nil
	}
	for _, c := range l.Clients {
		if node == c.Node || node == c.Namespace {
			return c.Namespace, nil
		}
	}
	names := []string{"srv"}
	for _, c := range l.Clients {
		names = append(names, c.Node)
	}
	return "", noLab("lab %s has no node %q: use one of %s (or its namespace name)", l.RunID, node, strings.Join(names, ", "))
}

// NodeCounts is what the kernel says of one namespace now.
type NodeCounts struct {
	// Established is Tcp: CurrEstab (ESTABLISHED + CLOSE_WAIT).
	Established int64
	// Sockstat is the TCP line of /proc/net/sockstat.
	Sockstat procfs.Sockstat
}

// CountsIn reads the established count and sockstat of namespace ns.
func CountsIn(ns string) (NodeCounts, error) {
	var c NodeCounts
	err := topology.Do(ns, func() error {
		snmp, err := os.ReadFile("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		c.Established = procfs.ParseSnmpTCP(snmp).CurrEstab
		c.Sockstat = procfs.ParseSockstat(procfs.ReadFile("/proc/thread-self/net/sockstat"))
		return nil
	})
	return c, err
}
