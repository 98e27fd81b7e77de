package testbed

import (
	"runtime"
	"testing"
)

// TestOrchestratorProcs: the orchestrator gets at least
// minOrchestratorProcs Ps, unless GOMAXPROCS says otherwise.
func TestOrchestratorProcs(t *testing.T) {
	was := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(was) })

	runtime.GOMAXPROCS(2)
	t.Setenv("GOMAXPROCS", "")
	orchestratorProcs()
	if n := runtime.GOMAXPROCS(0); n != minOrchestratorProcs {
		t.Errorf("GOMAXPROCS unset: %d Ps, want %d", n, minOrchestratorProcs)
	}

	runtime.GOMAXPROCS(2)
	t.Setenv("GOMAXPROCS", "2")
	orchestratorProcs()
	if n := runtime.GOMAXPROCS(0); n != 2 {
		t.Errorf("GOMAXPROCS=2: %d Ps, want the user's 2", n)
	}
}
