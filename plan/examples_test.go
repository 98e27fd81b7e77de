package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestExampleScenarios: every scenario under examples/ decodes and plans
// on the default host (the real servers' and the comparison's), so a key
// or placeholder renamed here cannot leave them broken.
func TestExampleScenarios(t *testing.T) {
	files, err := filepath.Glob("../examples/*/*.toml")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples/*/*.toml: %v, %v; want the nginx, redis, memcached and comparison scenarios", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := scenarios.Parse(f, data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := New(s, DefaultEnv()); err != nil {
			t.Errorf("%s: plan: %v", f, err)
		}
	}
}
