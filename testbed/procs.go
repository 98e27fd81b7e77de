package testbed

import (
	"os"
	"runtime"
)

// minOrchestratorProcs is how many Ps the orchestrator has at least once
// it measures.
const minOrchestratorProcs = 8

// orchestratorProcs gives the orchestrator more Ps than CPUs before its
// sampler starts, for the rest of the process (unless GOMAXPROCS is set). The sampler and the role
// meter run on threads of their own at raised priority, but Go code runs
// only on a thread that holds a P: with one P per CPU, both were held by
// the goroutines reading the workers' stats lines, on threads at normal
// priority that 105 busy workers kept off the CPUs for seconds, and the
// sampler waited for a P. At a million with the adaptive window
// (workers that never block) samples.csv had gaps of 1 to 5 s; with 8 Ps
// there was none, and the ramp was as fast. The workers are not
// affected: each runs with GOMAXPROCS=1.
func orchestratorProcs() {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	if runtime.GOMAXPROCS(0) < minOrchestratorProcs {
		runtime.GOMAXPROCS(minOrchestratorProcs)
	}
}
