// Package kube writes the Kubernetes manifests of a client fleet: the
// built-in clients of one scenario as an Indexed Job, one shard per pod
// ('c1m-testbed clients --shard I/N' against a target), with the
// scenario in a ConfigMap and each pod's results printed as a JSON line
// for 'kubectl logs' and 'c1m-testbed merge'. It is pure: objects of the
// official k8s.io/api types, printed with sigs.k8s.io/yaml; the sizes
// come from the scenarios package's planner.
package kube

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// Defaults of Options.
const (
	// DefaultPodFDLimit is the RLIMIT_NOFILE a pod's processes are
	// planned with (containerd 1.x gives 1,048,576; set yours with
	// Options.PodFDLimit: 2.x gives a soft 1,024 and a hard 524,288).
	DefaultPodFDLimit = 1048576
	// DefaultPortRange is the pods' ip_local_port_range when the scenario
	// sets none: each pod has an address of its own, so it may use the
	// whole range above the well-known ports.
	DefaultPortRange = "1024 65535"
	// MountDir is where the pods find the scenario (the ConfigMap).
	MountDir = "/etc/c1m-testbed"
	// ResultsDir is the pods' results directory (an emptyDir); the
	// results leave the pod on stdout.
	ResultsDir = "/results"
	// OrchestratorBytes is the memory planned for a pod's orchestrator
	// (c1m-testbed clients itself) besides its workers.
	OrchestratorBytes = 64 << 20
	// MilliCPUPerWorker is the CPU requested per client worker (each
	// runs one thread, GOMAXPROCS=1), plus one more share for the orchestrator.
	MilliCPUPerWorker = 500
)

// Options describe a fleet.
type Options struct {
	// Scenario is the scenario as loaded (unscaled); ScenarioFile and
	// ScenarioText are its file name and text (scenarios.SourceText),
	// shipped in the ConfigMap.
	Scenario     *scenarios.Scenario
	ScenarioFile string
	ScenarioText []byte
	// Scale multiplies the connection counts (0 or 1 = as written).
	Scale float64
	// Target is the server under load (from the command line).
	Target scenarios.Target
	// Shards is the number of pods, one shard each.
	Shards int
	// Image is the container image with c1m-testbed on its PATH.
	Image string
	// Name names the Job and ConfigMap ("" = c1m-<scenario>).
	Name string
	// Namespace is the Kubernetes namespace ("" = none: kubectl's current).
	Namespace string
	// StartAt, when set, makes every pod hold its first phase until then.
	StartAt time.Time
	// PodFDLimit is the RLIMIT_NOFILE pods run with (0 = DefaultPodFDLimit).
	PodFDLimit int64
}

// PodPlan is what one pod (the largest shard, shard 0) needs, from the
// planner: what the Job requests.
type PodPlan struct {
	Connections int   // connections of shard 0
	Workers     int   // client worker processes in the pod
	FDs         int64 // file descriptors the pod holds at the peak
	MemoryBytes int64 // workers, connection tables, client sockets' kernel memory, orchestrator
	MilliCPU    int64 // CPU requested
	PortLow     int   // the pod's ip_local_port_range
	PortHigh    int
	// FiveTuples is what one pod can open: target addresses × ports ×
	// source ports (one pod address).
	FiveTuples int64
	// PodsNeeded is the fewest pods whose five-tuples hold the connections.
	PodsNeeded int
}

// Manifests are the objects of a fleet.
type Manifests struct {
	ConfigMap *corev1.ConfigMap // the scenario, mounted in every pod
	Job       *batchv1.Job      // the Indexed Job, one shard per pod
	Pod       PodPlan           // what each pod was sized for
}

// nameRE is what a Job's name may be (an RFC 1123 label; the Job
// controller adds suffixes to pod names, so at most 52 characters).
var nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$`)

// Build makes the ConfigMap and the Indexed Job of a fleet, or says why
// the fleet cannot hold the scenario (too few pods for its five-tuples)
// and how to fix it.
func Build(o Options) (*Manifests, error) {
	if o.Shards < 1 || o.Shards > scenarios.MaxShards {
		return nil, fmt.Errorf("%w: --shards %d: give 1 to %d pods", scenarios.ErrInvalid, o.Shards, scenarios.MaxShards)
	}
	if o.Image == "" {
		return nil, fmt.Errorf("%w: name the container image with c1m-testbed in it: --image IMG", scenarios.ErrInvalid)
	}
	if o.Name == "" {
		o.Name = "c1m-" + strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9-]+`).ReplaceAllString(o.Scenario.Name, "-"))
	}
	if !nameRE.MatchString(o.Name) {
		return nil, fmt.Errorf("%w: --name %q is not a Kubernetes name: lowercase letters, digits and '-', at most 52", scenarios.ErrInvalid, o.Name)
	}
	if o.PodFDLimit == 0 {
		o.PodFDLimit = DefaultPodFDLimit
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	pod, err := planPod(o)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{"app.kubernetes.io/name": "c1m-testbed", "app.kubernetes.io/instance": o.Name,
		"app.kubernetes.io/component": "clients"}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Namespace: o.Namespace, Labels: labels},
		Data:       map[string]string{o.ScenarioFile: string(o.ScenarioText)},
	}
	n := int32(o.Shards)
	zero := int32(0)
	mode := batchv1.IndexedCompletion
	job := &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Namespace: o.Namespace, Labels: labels,
			Annotations: map[string]string{"c1m-testbed/target": o.Target.String(), "c1m-testbed/scenario": o.Scenario.Name,
				"c1m-testbed/connections-per-pod": strconv.Itoa(pod.Connections)}},
		Spec: batchv1.JobSpec{
			CompletionMode: &mode, Completions: &n, Parallelism: &n,
			// A failed shard is not run again (it would start late and
			// alone); the other shards go on, and merge names it missing.
			BackoffLimitPerIndex: &zero,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       podSpec(o, pod, labels),
			},
		},
	}
	return &Manifests{ConfigMap: cm, Job: job, Pod: pod}, nil
}

// podSpec is the pods' spec: one container running one shard.
func podSpec(o Options, pod PodPlan, labels map[string]string) corev1.PodSpec {
	args := []string{"clients", MountDir + "/" + o.ScenarioFile, "--target", o.Target.String(),
		"--shards", strconv.Itoa(o.Shards), "--whole-port-range", "--json", "--no-report", "--out", ResultsDir + "/run"}
	if o.Scale != 1 {
		args = append(args, "--scale", strconv.FormatFloat(o.Scale, 'g', -1, 64))
	}
	if !o.StartAt.IsZero() {
		args = append(args, "--start-at", o.StartAt.UTC().Format(time.RFC3339Nano))
	}
	cpu := resource.NewMilliQuantity(pod.MilliCPU, resource.DecimalSI)
	mem := resource.MustParse(fmt.Sprintf("%dMi", (pod.MemoryBytes+(1<<20)-1)>>20))
	return corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		SecurityContext: &corev1.PodSecurityContext{
			Sysctls: []corev1.Sysctl{{Name: "net.ipv4.ip_local_port_range", Value: fmt.Sprintf("%d %d", pod.PortLow, pod.PortHigh)}},
		},
		Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
				Weight: 100,
				PodAffinityTerm: corev1.PodAffinityTerm{
					TopologyKey:   "kubernetes.io/hostname",
					LabelSelector: &metav1.LabelSelector{MatchLabels: labels},
				},
			}},
		}},
		Containers: []corev1.Container{{
			Name:    "clients",
			Image:   o.Image,
			Command: []string{"c1m-testbed"},
			Args:    args,
			Env: []corev1.EnvVar{{
				// The Job controller sets it too (Kubernetes 1.22+); spelt out
				// for clusters and readers that do not know it.
				Name: "JOB_COMPLETION_INDEX",
				ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
					FieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']"}},
			}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: *cpu, corev1.ResourceMemory: mem},
			},
			VolumeMounts: []corev1.VolumeMount{
				{Name: "scenario", MountPath: MountDir, ReadOnly: true},
				{Name: "results", MountPath: ResultsDir},
			},
		}},
		Volumes: []corev1.Volume{
			{Name: "scenario", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: o.Name}}}},
			{Name: "results", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
	}
}

// YAML prints the manifests as one YAML stream, the arithmetic first in
// comments, for 'kubectl apply -f -'.
func (m *Manifests) YAML() ([]byte, error) {
	var b bytes.Buffer
	p := m.Pod
	fmt.Fprintf(&b, "# c1m-testbed fleet %s: %d pods × up to %d connections against %s\n",
		m.Job.Name, *m.Job.Spec.Completions, p.Connections, m.Job.Annotations["c1m-testbed/target"])
	fmt.Fprintf(&b, "# per pod: %d client workers, %d fds, %s memory, %dm CPU requested; ports %d-%d: %d five-tuples (at least %d pods needed)\n",
		p.Workers, p.FDs, fmt.Sprintf("%dMi", (p.MemoryBytes+(1<<20)-1)>>20), p.MilliCPU, p.PortLow, p.PortHigh, p.FiveTuples, p.PodsNeeded)
	fmt.Fprintf(&b, "# results: kubectl logs -l job-name=%s --tail=-1 > %s.log && c1m-testbed merge %s.log\n", m.Job.Name, m.Job.Name, m.Job.Name)
	for _, obj := range []any{m.ConfigMap, m.Job} {
		data, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("failed to print the manifests: %w", err)
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.Bytes(), nil
}
