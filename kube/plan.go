package kube

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// planPod plans the largest shard (shard 0) as it runs in a pod: one
// pod address, the target's addresses and ports, the pod's port range
// and fd limit. It fails, with the number of pods that would do, when a
// pod's five-tuples cannot hold its shard.
func planPod(o Options) (PodPlan, error) {
	sc := o.Scenario
	if o.Scale != 1 {
		if err := scenarios.CheckScale(o.Scale); err != nil {
			return PodPlan{}, err
		}
		sc = sc.Scaled(o.Scale)
	}
	shard, err := sc.Sharded(scenarios.Shard{Index: 0, Count: o.Shards})
	if err != nil {
		return PodPlan{}, err
	}
	ports := DefaultPortRange
	if v := sc.Sysctl.Client["net.ipv4.ip_local_port_range"]; v != "" {
		ports = v
	}
	f := strings.Fields(ports)
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[len(f)-1])
	if len(f) != 2 || err1 != nil || err2 != nil || lo > hi {
		return PodPlan{}, fmt.Errorf("%w: the scenario's ip_local_port_range %q is not LOW HIGH", scenarios.ErrInvalid, ports)
	}
	in, _, err := shard.ForClients(scenarios.InPlace{Target: o.Target, Sources: 1, PortLow: lo, PortHigh: hi})
	if err != nil {
		return PodPlan{}, err
	}
	p := PodPlan{Connections: shard.Client.Connections, PortLow: lo, PortHigh: hi}
	p.FiveTuples = int64(len(o.Target.Addrs)) * int64(len(o.Target.Ports)) * int64(hi-lo+1)
	p.PodsNeeded = int((int64(sc.Client.Connections) + p.FiveTuples - 1) / p.FiveTuples)
	if o.Shards < p.PodsNeeded {
		return PodPlan{}, fmt.Errorf("%w: %d pods cannot open %d connections to %s: one pod (one address) reaches %d addresses × %d ports over %d source ports (%d-%d) = %d five-tuples, so at least %d pods: use --shards %d, or give the target more ports",
			scenarios.ErrInvalid, o.Shards, sc.Client.Connections, o.Target, len(o.Target.Addrs), len(o.Target.Ports), hi-lo+1, lo, hi, p.FiveTuples, p.PodsNeeded, p.PodsNeeded)
	}
	env := plan.DefaultEnv()
	env.FDSoft, env.FDHard, env.NrOpen = o.PodFDLimit, o.PodFDLimit, max(env.NrOpen, o.PodFDLimit)
	// The node's file-max and memory are the cluster's to know: the pod
	// asks for its memory, and the scheduler finds a node that has it.
	env.FileMax, env.MemAvailable, env.MemTotal = 1<<40, 1<<50, 1<<50
	env.PortLow, env.PortHigh = lo, hi
	pp, err := plan.New(in, env)
	if err != nil {
		return PodPlan{}, fmt.Errorf("shard 0 of %d in a pod: %w", o.Shards, err)
	}
	c := int64(p.Connections)
	p.Workers = pp.ClientWorkers
	p.FDs = c + int64(p.Workers)*plan.FilesPerWorker
	p.MemoryBytes = int64(p.Workers)*plan.UserBytesPerWorker + c*(plan.UserBytesPerSocket+plan.KernelBytesPerSocket) + OrchestratorBytes
	p.MilliCPU = int64(p.Workers+1) * MilliCPUPerWorker
	return p, nil
}
