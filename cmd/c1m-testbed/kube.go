package main

import (
	"fmt"
	"os"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
	"github.com/c1m-testbed/c1m-testbed/kube"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func init() {
	register(&command{name: "kube", summary: "print Kubernetes manifests that run a scenario's clients as a fleet of pods (an Indexed Job)", run: kubeCmd})
}

func kubeCmd(args []string) int {
	fs := newFlags("kube", "SCENARIO --target ADDR:PORTS --shards N --image IMG [--start-at TIME]",
		`Prints the Kubernetes manifests of a client fleet on stdout: a ConfigMap
holding SCENARIO and an Indexed Job (batch/v1, completionMode Indexed,
parallelism = completions = N, restartPolicy Never, a failed shard not run
again) whose pod I runs 'c1m-testbed clients --shard I/N' against --target:
pods spread over nodes (preferred anti-affinity), ip_local_port_range set as
a pod sysctl, CPU and memory requested from the planner's figures for one
shard. Each pod prints its results as a JSON line; collect them with
'kubectl logs' and combine them with 'c1m-testbed merge'. Nothing is sent
to a cluster: pipe the output to 'kubectl apply -f -'. See docs/kubernetes.md.

Exit status: 0 printed, 2 the scenario or command line is wrong (too few
pods for the five-tuples: the message says how many).`,
		"  c1m-testbed kube million --target 10.0.0.5:8000-8003 --shards 20 --image registry.example/c1m-testbed:v1 | kubectl apply -f -")
	target := fs.String("target", "", "the server: `ADDR[,ADDR...]:PORT[,PORT|LOW-HIGH...]`, IPv6 as [2001:2::1] (required)")
	shards := fs.Int("shards", 0, "pods, one shard each (required)")
	image := fs.String("image", "", "container `IMG` with c1m-testbed on its PATH (required)")
	name := fs.String("name", "", "the Job's and ConfigMap's `NAME` (default c1m-<scenario>)")
	namespace := fs.String("namespace", "", "the Kubernetes `NAMESPACE` (default: kubectl's current)")
	startAt := fs.String("start-at", "", "pods hold their first phase until this `TIME` (RFC 3339), so they start together")
	scale := fs.Float64("scale", 1, "multiply connection counts by `F`")
	fdLimit := fs.Int64("pod-fd-limit", kube.DefaultPodFDLimit, "RLIMIT_NOFILE in the pods (`N`), for the planner's worker count")
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	if fs.NArg() != 1 || *target == "" || *shards == 0 || *image == "" {
		fmt.Fprintln(os.Stderr, "c1m-testbed kube: name a scenario, --target, --shards and --image, e.g. 'c1m-testbed kube smoke --target 10.0.0.5:8000 --shards 4 --image IMG'")
		return exitUsage
	}
	t, err := scenarios.ParseTarget(*target)
	if err != nil {
		return exitFor("kube", err)
	}
	o := kube.Options{Target: t, Shards: *shards, Image: *image, Name: *name, Namespace: *namespace, Scale: *scale, PodFDLimit: *fdLimit}
	if *startAt != "" {
		if o.StartAt, err = time.Parse(time.RFC3339Nano, *startAt); err != nil {
			return exitFor("kube", fmt.Errorf("%w: --start-at %q: write an RFC 3339 time such as 2026-12-02T01:00:00Z", scenarios.ErrInvalid, *startAt))
		}
	}
	if o.Scenario, err = scenarios.Load(fs.Arg(0)); err != nil {
		return exitFor("kube", err)
	}
	if o.ScenarioFile, o.ScenarioText, err = scenarios.SourceText(fs.Arg(0)); err != nil {
		return exitFor("kube", err)
	}
	m, err := kube.Build(o)
	if err != nil {
		return exitFor("kube", err)
	}
	data, err := m.YAML()
	if err != nil {
		return exitFor("kube", err)
	}
	if out := t.Outside(layout.DefaultSubnet); len(out) > 0 {
		fmt.Fprintf(os.Stderr, "c1m-testbed kube: target %s is outside %s: the pods will load a real server\n", t, layout.DefaultSubnet)
	}
	os.Stdout.Write(data)
	return exitOK
}
