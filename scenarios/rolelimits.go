package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bounds of a role's limits.
const (
	// MinMemoryLimit is the smallest memory-limit: below it a worker
	// cannot even start (its runtime and tables take a few MiB).
	MinMemoryLimit = 16 << 20
	// MaxCPUSetCPU is the highest CPU number cpus may name.
	MaxCPUSetCPU = 4095
)

// RoleLimits caps one role's processes (the built-in workers, or an
// external program and all it forks) through a cgroup of their own, made
// under the cgroup c1m-testbed runs in (docs/scenario-format.md, "Limits
// per role"). Zero values set nothing.
type RoleLimits struct {
	// MemoryLimit is the role's memory in bytes (cgroup v2 memory.max,
	// v1 memory.limit_in_bytes): past it the kernel's OOM killer ends a
	// process of the role.
	MemoryLimit int64 `json:"memory_limit"`
	// CPULimit is the role's CPU time in cores, as a CFS quota per 100 ms
	// period (1.5 = 150 ms of CPU each 100 ms).
	CPULimit float64 `json:"cpu_limit"`
	// CPUs is the cpuset the role's processes run on, as cpuset.cpus
	// writes it: "0", "0-1", "1,3".
	CPUs string `json:"cpus"`
}

// Set reports whether any limit is set, so the role needs a cgroup.
func (l RoleLimits) Set() bool { return l.MemoryLimit > 0 || l.CPULimit > 0 || l.CPUs != "" }

// limits reads a role's memory-limit, cpu-limit and cpus.
func (d *decoder) limits(t table) RoleLimits {
	l := RoleLimits{MemoryLimit: d.sizeIn(t, "memory-limit", 0, 1<<50)}
	if l.MemoryLimit > 0 && l.MemoryLimit < MinMemoryLimit && d.err == nil {
		d.failVal(t.child("memory-limit"), `give the role at least 16 MiB, e.g. memory-limit = "512MiB"`, "%s: %d bytes leave a worker no room to start", t.qualified("memory-limit"), l.MemoryLimit)
	}
	if _, ok := t.m["cpu-limit"]; ok {
		l.CPULimit = d.float(t, "cpu-limit", 0)
		if d.err == nil && (math.IsNaN(l.CPULimit) || l.CPULimit < 0.01 || l.CPULimit > 1024) {
			d.failVal(t.child("cpu-limit"), "give the cores as a number from 0.01 to 1024, e.g. cpu-limit = 1 or 0.5", "%s: %v is not a number of cores", t.qualified("cpu-limit"), l.CPULimit)
		}
	}
	if v, ok := t.m["cpus"]; ok {
		if n, isInt := v.(int64); isInt {
			l.CPUs = fmt.Sprint(n) // cpus = 1: one CPU, as "1"
		} else {
			l.CPUs = strings.TrimSpace(d.str(t, "cpus", ""))
		}
		if _, err := ParseCPUSet(l.CPUs); l.CPUs != "" && err != nil && d.err == nil {
			d.failVal(t.child("cpus"), `list CPUs as cpuset does, e.g. cpus = "0", "0-1" or "1,3"`, "%s: %v", t.qualified("cpus"), err)
		}
	}
	return l
}

// ParseCPUSet reads a cpuset list ("0", "0-3", "0,2-3") into its CPU
// numbers, in order, each once.
func ParseCPUSet(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("the CPU list is empty")
	}
	seen := map[int]bool{}
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := cpuNumber(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = cpuNumber(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, fmt.Errorf("%q: the range runs backwards", part)
			}
		}
		for c := a; c <= b; c++ {
			if seen[c] {
				return nil, fmt.Errorf("CPU %d is listed twice", c)
			}
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

func cpuNumber(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > MaxCPUSetCPU {
		return 0, fmt.Errorf("%q is not a CPU number (0 to %d)", s, MaxCPUSetCPU)
	}
	return n, nil
}

// validateLimits refuses an OOM or throttling expectation that nothing
// would measure: without a role's memory-limit (cpu-limit) there is no
// cgroup to count kills (throttling) in, and the check would pass at 0.
func (d *decoder) validateLimits(s *Scenario) {
	e := s.Expect
	if (e.MinOOMKills > 0 || e.MaxOOMKills != nil) && s.Server.MemoryLimit == 0 && s.Client.MemoryLimit == 0 {
		key := "expect.min-oom-kills"
		if e.MinOOMKills == 0 {
			key = "expect.max-oom-kills"
		}
		d.failKey(key, `give a role a memory-limit, e.g. [server] memory-limit = "512MiB"`, "%s: OOM kills are counted in a role's cgroup, and no role has a memory-limit", key[len("expect."):])
	}
	if e.MaxThrottled != nil && s.Server.CPULimit == 0 && s.Client.CPULimit == 0 {
		d.failKey("expect.max-throttled", "give a role a cpu-limit, e.g. [server] cpu-limit = 1", "max-throttled: throttling is counted in a role's cgroup, and no role has a cpu-limit")
	}
}
