package kube

import (
	"errors"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// build makes the manifests of a built-in scenario and decodes the YAML
// printed back into k8s.io/api types, strictly.
func build(t *testing.T, name, target string, shards int, mod func(*Options)) (*Manifests, *corev1.ConfigMap, *batchv1.Job) {
	t.Helper()
	sc, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	file, text, err := scenarios.SourceText(name)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := scenarios.ParseTarget(target)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Scenario: sc, ScenarioFile: file, ScenarioText: text, Target: tg, Shards: shards, Image: "registry.example/c1m-testbed:v1"}
	if mod != nil {
		mod(&o)
	}
	m, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.YAML()
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "\n---\n")
	if len(docs) != 3 || !strings.HasPrefix(docs[0], "# c1m-testbed fleet") {
		t.Fatalf("want a comment and two documents, got %d parts:\n%s", len(docs), data)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &cm); err != nil {
		t.Fatalf("the ConfigMap does not decode: %v", err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(docs[2]), &job); err != nil {
		t.Fatalf("the Job does not decode: %v", err)
	}
	return m, &cm, &job
}

func TestBuildDecodes(t *testing.T) {
	start := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	m, cm, job := build(t, "million", "10.0.0.5:8000-8003", 20, func(o *Options) { o.StartAt = start })
	if cm.Kind != "ConfigMap" || cm.APIVersion != "v1" || cm.Name != "c1m-million" {
		t.Errorf("ConfigMap %s %s %s", cm.APIVersion, cm.Kind, cm.Name)
	}
	if _, err := scenarios.Parse("million.toml", []byte(cm.Data["million.toml"])); err != nil {
		t.Errorf("the ConfigMap's scenario does not parse: %v", err)
	}
	s := job.Spec
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("not an Indexed batch/v1 Job: %s %s %v", job.APIVersion, job.Kind, s.CompletionMode)
	}
	if s.Completions == nil || s.Parallelism == nil || *s.Completions != 20 || *s.Parallelism != 20 {
		t.Errorf("completions %v parallelism %v, want 20 and 20", s.Completions, s.Parallelism)
	}
	if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0 {
		t.Errorf("backoffLimitPerIndex %v, want 0 (a shard is never run again)", s.BackoffLimitPerIndex)
	}
	pod := s.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q", pod.RestartPolicy)
	}
	if sc := pod.SecurityContext; sc == nil || len(sc.Sysctls) != 1 || sc.Sysctls[0].Name != "net.ipv4.ip_local_port_range" || sc.Sysctls[0].Value != "1024 65535" {
		t.Errorf("pod sysctls %+v, want ip_local_port_range 1024 65535", pod.SecurityContext)
	}
	aa := pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	if len(aa) != 1 || aa[0].PodAffinityTerm.TopologyKey != "kubernetes.io/hostname" ||
		aa[0].PodAffinityTerm.LabelSelector.MatchLabels["app.kubernetes.io/instance"] != "c1m-million" ||
		s.Template.Labels["app.kubernetes.io/instance"] != "c1m-million" {
		t.Errorf("anti-affinity %+v does not spread the Job's own pods over nodes", aa)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	args := strings.Join(append(c.Command, c.Args...), " ")
	for _, want := range []string{"c1m-testbed clients /etc/c1m-testbed/million.toml", "--target 10.0.0.5:8000-8003", "--shards 20", "--json", "--whole-port-range", "--start-at 2026-12-02T01:00:00Z"} {
		if !strings.Contains(args, want) {
			t.Errorf("command %q lacks %q", args, want)
		}
	}
	if len(c.Env) != 1 || c.Env[0].Name != "JOB_COMPLETION_INDEX" || c.Env[0].ValueFrom == nil ||
		c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("shard env %+v, want JOB_COMPLETION_INDEX from the completion index annotation", c.Env)
	}
	// 1M over 20 pods: 50,000 each, one worker at 1,048,576 fds,
	// 3 MiB + 50,000 × (48 + 4,150) B + 64 MiB = 267.2 MiB, 1 CPU.
	if m.Pod.Connections != 50000 || m.Pod.Workers != 1 {
		t.Errorf("pod plan %+v, want 50000 connections on 1 worker", m.Pod)
	}
	mem, cpu := c.Resources.Requests[corev1.ResourceMemory], c.Resources.Requests[corev1.ResourceCPU]
	wantMem := int64(plan.UserBytesPerWorker + 50000*(plan.UserBytesPerSocket+plan.KernelBytesPerSocket) + OrchestratorBytes)
	if mem.Value() < wantMem || mem.Value() >= wantMem+1<<20 {
		t.Errorf("memory request %s (%d), want %d rounded up to a MiB", mem.String(), mem.Value(), wantMem)
	}
	if cpu.Cmp(resource.MustParse("1")) != 0 {
		t.Errorf("cpu request %s, want 1 (two shares of 500m: the worker and the orchestrator)", cpu.String())
	}
	if v := pod.Volumes; len(v) != 2 || v[0].ConfigMap == nil || v[0].ConfigMap.Name != "c1m-million" || v[1].EmptyDir == nil {
		t.Errorf("volumes %+v", v)
	}
}

// TestBuildIPv6Target: an IPv6 (or mixed) target reaches the pods'
// --target and the Job's annotation in brackets, which clients reads back
// as the same target.
func TestBuildIPv6Target(t *testing.T) {
	for _, target := range []string{"[2001:2::1]:8000-8003", "198.18.0.1,[2001:2::1],[2001:2::2]:8000,8002"} {
		t.Run(target, func(t *testing.T) {
			_, _, job := build(t, "million", target, 20, nil)
			c := job.Spec.Template.Spec.Containers[0]
			args := append(c.Command, c.Args...)
			var got string
			for i, a := range args {
				if a == "--target" && i+1 < len(args) {
					got = args[i+1]
				}
			}
			want, _ := scenarios.ParseTarget(target)
			back, err := scenarios.ParseTarget(got)
			if err != nil || back.String() != want.String() || !strings.Contains(got, "[2001:2::1]") {
				t.Errorf("pod --target %q reads back as %v, %v; want %s", got, back, err, want)
			}
			if a := job.Annotations["c1m-testbed/target"]; a != want.String() {
				t.Errorf("annotation c1m-testbed/target = %q, want %q", a, want.String())
			}
		})
	}
}

func TestBuildWorkersFromFDLimit(t *testing.T) {
	// 20,000 fds a pod: 50,000 connections need 3 workers (budget 19,936 each).
	m, _, job := build(t, "million", "10.0.0.5:8000-8003", 20, func(o *Options) { o.PodFDLimit = 20000 })
	if m.Pod.Workers != 3 {
		t.Errorf("workers %d, want 3", m.Pod.Workers)
	}
	cpu := job.Spec.Template.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]
	if cpu.MilliValue() != 2000 {
		t.Errorf("cpu request %s, want 2 (4 shares of 500m)", cpu.String())
	}
	// The scenario's own port range becomes the pod sysctl.
	m, _, job = build(t, "port-exhaustion", "198.18.0.1:8000", 2, func(o *Options) {
		o.Scenario.Sysctl.Client = map[string]string{"net.ipv4.ip_local_port_range": "32768 60999"}
	})
	if v := job.Spec.Template.Spec.SecurityContext.Sysctls[0].Value; v != "32768 60999" || m.Pod.FiveTuples != 28232 {
		t.Errorf("port-exhaustion's pod sysctl %q and %d five-tuples, want its own range 32768 60999: 28232", v, m.Pod.FiveTuples)
	}
}

func TestBuildRefusals(t *testing.T) {
	sc, _ := scenarios.Load("million")
	tg, _ := scenarios.ParseTarget("10.0.0.5:8000")
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Scenario: sc, Target: tg, Shards: 2, Image: "x"}, "at least 16 pods"},
		{Options{Scenario: sc, Target: tg, Shards: 16}, "--image"},
		{Options{Scenario: sc, Target: tg, Shards: 0, Image: "x"}, "--shards 0"},
		{Options{Scenario: sc, Target: tg, Shards: 16, Image: "x", Name: "Bad_Name"}, "not a Kubernetes name"},
	} {
		_, err := Build(tc.o)
		if err == nil || !errors.Is(err, scenarios.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Build(%+v) = %v, want an ErrInvalid saying %q", tc.o.Shards, err, tc.want)
		}
	}
}
