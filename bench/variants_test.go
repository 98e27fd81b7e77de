package main

import (
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestVariantsParse: every scenario bench writes decodes and plans (a
// typo would only show after building and running as root).
func TestVariantsParse(t *testing.T) {
	vs := append(variants(40_000, 5*time.Second), latencyVariants(20_000, time.Second, 20*time.Second)...)
	for _, v := range vs {
		sc, err := scenarios.Parse(v.name+".toml", []byte(v.toml))
		if err != nil {
			t.Errorf("%s: %v\n%s", v.name, err, v.toml)
			continue
		}
		if _, err := plan.New(sc, plan.DefaultEnv()); err != nil {
			t.Errorf("%s: plan: %v", v.name, err)
		}
	}
}
