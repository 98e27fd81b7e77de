package cgroups

import (
	"fmt"
	"math"
	"strings"
)

// Limits of one role; zero values mean unlimited / unset.
type Limits struct {
	// MemoryBytes is memory.max (v2) / memory.limit_in_bytes (v1); on v1
	// it is also memory.kmem.tcp.limit_in_bytes, the only place v1 counts
	// socket buffers.
	MemoryBytes int64
	// CPUs is the CFS quota in cores over a 100 ms period: cpu.max (v2) /
	// cpu.cfs_quota_us and cpu.cfs_period_us (v1).
	CPUs float64
	// CPUSet is cpuset.cpus, e.g. "0-3,6" (on v1 cpuset.mems is copied
	// from the parent).
	CPUSet string
}

// Controller names as the kernel spells them.
const (
	memoryCtl  = "memory"
	cpuCtl     = "cpu"
	cpusetCtl  = "cpuset"
	cpuacctCtl = "cpuacct"
)

// periodUs is the CFS period every quota is expressed in (100 ms).
const periodUs = 100000

// minQuotaUs is the smallest CFS quota the kernel accepts (1 ms).
const minQuotaUs = 1000

// check reports the first value of l the kernel would refuse.
func (l Limits) check() error {
	switch {
	case l.MemoryBytes < 0:
		return fmt.Errorf("memory limit %d bytes is negative: use 0 for unlimited", l.MemoryBytes)
	case l.CPUs < 0 || math.IsNaN(l.CPUs) || math.IsInf(l.CPUs, 0):
		return fmt.Errorf("cpu limit %v cores is not a usable number: use 0 for unlimited", l.CPUs)
	case l.CPUs > 0 && l.quotaUs() < minQuotaUs:
		return fmt.Errorf("cpu limit %v cores is below the kernel's minimum quota of 0.01 cores", l.CPUs)
	case strings.ContainsAny(l.CPUSet, " \t\n/"):
		return fmt.Errorf("cpuset %q is not a CPU list such as \"0-3,6\"", l.CPUSet)
	}
	return nil
}

// quotaUs is the CFS quota of l.CPUs in microseconds per period.
func (l Limits) quotaUs() int64 { return int64(math.Round(l.CPUs * periodUs)) }

// controllers lists the controllers l needs, in the order they are made.
func (l Limits) controllers() []string {
	var c []string
	if l.MemoryBytes > 0 {
		c = append(c, memoryCtl)
	}
	if l.CPUs > 0 {
		c = append(c, cpuCtl)
	}
	if l.CPUSet != "" {
		c = append(c, cpusetCtl)
	}
	return c
}

// checkName refuses a group name that is not one plain directory name.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00\n") || len(name) > 255 {
		return fmt.Errorf("cgroup name %q must be one directory name (no '/', not '.' or '..', not empty)", name)
	}
	return nil
}
