package measure

import (
	"time"

	"golang.org/x/sys/unix"
)

// rusageCPU is the CPU time (user + system) getrusage reports for who.
func rusageCPU(who int) time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(who, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPU is the CPU time the calling OS thread has used in its life:
// the sampler and the role meter each lock a thread of their own, read it
// once locked and again as their loops end, and the difference is what
// measuring cost (the thread may have run other goroutines before).
func threadCPU() time.Duration { return rusageCPU(unix.RUSAGE_THREAD) }

// ProcessCPU is the CPU time the calling process's own threads have used
// (not its children's): the orchestrator's cost, measurement included.
func ProcessCPU() time.Duration { return rusageCPU(unix.RUSAGE_SELF) }

// Cost returns the CPU time the sampler's and the role meter's threads
// used, once Run has returned; ran is false when Run never ran.
func (s *Sampler) Cost() (sampler, meter time.Duration, ran bool) {
	s.mu.Lock()
	sampler, ran = s.ownCPU, s.ran
	s.mu.Unlock()
	if s.meter != nil {
		s.meter.mu.Lock()
		meter = s.meter.ownCPU
		s.meter.mu.Unlock()
	}
	return sampler, meter, ran
}
