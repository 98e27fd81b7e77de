package measure

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU is the CPU time (user + system) the calling OS thread has
// used: the sampler and the role meter each run on a locked thread of
// their own, so read at the end of their loops it is what measuring
// cost.
func threadCPU() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ProcessCPU is the CPU time the calling process's own threads have used
// (not its children's): the orchestrator's cost, measurement included.
func ProcessCPU() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Cost returns the CPU time the sampler's and the role meter's threads
// used, once Run has returned (0 before).
func (s *Sampler) Cost() (sampler, meter time.Duration) {
	s.mu.Lock()
	sampler = s.ownCPU
	s.mu.Unlock()
	if s.meter != nil {
		s.meter.mu.Lock()
		meter = s.meter.ownCPU
		s.meter.mu.Unlock()
	}
	return sampler, meter
}
