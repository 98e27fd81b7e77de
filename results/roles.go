package results

// RoleUsage is what one role's processes used, measured from /proc: every
// process in the role's network namespaces counts (found by namespace
// inode, so forks, re-execs and daemons are followed), whether the testbed
// started it or not. The built-in workers and external programs are
// measured the same way.
type RoleUsage struct {
	Role       string `json:"role"`       // "server" or "client"
	Namespaces int    `json:"namespaces"` // network namespaces measured
	// PeakProcesses is the most processes alive at one reading;
	// ProcessesSeen counts every process that lived at any reading.
	PeakProcesses int `json:"peak_processes"`
	ProcessesSeen int `json:"processes_seen"`
	// PeakRSS, PeakPSS and PeakFDs are the highest sums over the live
	// processes at one reading (not sums of each process's peak).
	PeakRSS int64 `json:"peak_rss_bytes"`
	PeakPSS int64 `json:"peak_pss_bytes"`
	PeakFDs int64 `json:"peak_fds"`
	// CPUUserSeconds and CPUSystemSeconds sum every process seen, at its
	// last reading; a process the testbed started is read as it exits,
	// its exit included (any other loses at most one interval's time).
	CPUUserSeconds   float64 `json:"cpu_user_seconds"`
	CPUSystemSeconds float64 `json:"cpu_system_seconds"`
	// Processes is each process seen, in order of pid, at most
	// MaxRoleProcesses of them; ProcessesOmitted counts the rest (their
	// CPU and memory are in the sums above).
	Processes        []ProcessUsage `json:"processes"`
	ProcessesOmitted int            `json:"processes_omitted,omitempty"`
	// Cgroup is what the role's own cgroup measured, when the scenario
	// gave the role limits (memory-limit, cpu-limit, cpus).
	Cgroup *CgroupUsage `json:"cgroup,omitempty"`
}

// CgroupUsage is a role's cgroup: its limits and what the kernel counted
// in it. Fields the cgroup version lacks stay 0.
type CgroupUsage struct {
	Name        string  `json:"name"`    // c1m-<run id>-srv or -cli, under the cgroup c1m-testbed ran in
	Version     int     `json:"version"` // 1 or 2
	MemoryLimit int64   `json:"memory_limit_bytes,omitempty"`
	CPULimit    float64 `json:"cpu_limit,omitempty"` // cores
	CPUs        string  `json:"cpus,omitempty"`
	// PeakMemory is the most memory charged to the cgroup (v2 memory.peak
	// or the highest memory.current read; v1 memory.max_usage_in_bytes).
	PeakMemory int64 `json:"peak_memory_bytes"`
	// PeakSocketMemory is the most socket-buffer memory the samples read
	// (v2 memory.stat sock; v1 memory.kmem.tcp.usage_in_bytes).
	PeakSocketMemory int64 `json:"peak_socket_bytes"`
	// OOMKills counts processes the OOM killer ended in the cgroup.
	OOMKills int64 `json:"oom_kills"`
	// Periods and Throttled are CFS periods with the quota in force and
	// those in which it ran out; ThrottledSeconds the time held back.
	Periods          int64   `json:"cpu_periods"`
	Throttled        int64   `json:"cpu_throttled_periods"`
	ThrottledSeconds float64 `json:"cpu_throttled_seconds"`
}

// ThrottledPercent is the share of CFS periods in which the quota ran out.
func (c *CgroupUsage) ThrottledPercent() float64 {
	if c == nil || c.Periods <= 0 {
		return 0
	}
	return 100 * float64(c.Throttled) / float64(c.Periods)
}

// MaxRoleProcesses bounds roles[].processes, so a server that forks per
// connection cannot make run.json grow without end.
const MaxRoleProcesses = 2000

// ProcessUsage is one process of a role.
type ProcessUsage struct {
	PID       int    `json:"pid"`
	PPID      int    `json:"ppid"`
	Comm      string `json:"comm"`    // the name it gave itself (/proc/PID/comm)
	Command   string `json:"command"` // its command line, as first read
	Namespace string `json:"namespace"`
	// StartedSeconds and LastSeenSeconds are when it was first and last
	// read, from the run's start; Exited says it was gone before the end.
	StartedSeconds  float64 `json:"started_seconds"`
	LastSeenSeconds float64 `json:"last_seen_seconds"`
	Exited          bool    `json:"exited"`
	PeakRSS         int64   `json:"peak_rss_bytes"`
	PeakPSS         int64   `json:"peak_pss_bytes"`
	PeakFDs         int64   `json:"peak_fds"`
	// CPUUserSeconds and CPUSystemSeconds are its CPU times at the last reading.
	CPUUserSeconds   float64 `json:"cpu_user_seconds"`
	CPUSystemSeconds float64 `json:"cpu_system_seconds"`
}

// MeasurementCost is what measuring cost the orchestrator, in CPU time:
// the sampler's thread (samples.csv every 500 ms: sockstat, meminfo,
// nstat, the workers' stats) and the role meter's (every process's stat
// and fd count each second, smaps_rollup every 4 s), each on a locked
// thread of its own at raised priority, and all of the orchestrator's own
// threads (measurement, phases, the live line; not the workers).
type MeasurementCost struct {
	SamplerCPUSeconds      float64 `json:"sampler_cpu_seconds"`
	MeterCPUSeconds        float64 `json:"meter_cpu_seconds"`
	OrchestratorCPUSeconds float64 `json:"orchestrator_cpu_seconds"`
}
