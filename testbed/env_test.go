package testbed

import "testing"

// TestRecordEnvStatesThePlansFacts: run.json's environment and the plan's
// host facts come from one reading, so the facts both state agree.
func TestRecordEnvStatesThePlansFacts(t *testing.T) {
	env, rec := ProbeEnv(), probeRecordEnv(nil)
	if rec.CPUs != env.CPUs || rec.MemTotal != env.MemTotal || rec.FDSoft != uint64(env.FDSoft) || rec.FDHard != uint64(env.FDHard) {
		t.Errorf("run.json: %d CPUs, MemTotal %d, RLIMIT_NOFILE %d/%d; plan: %d, %d, %d/%d",
			rec.CPUs, rec.MemTotal, rec.FDSoft, rec.FDHard, env.CPUs, env.MemTotal, env.FDSoft, env.FDHard)
	}
}
