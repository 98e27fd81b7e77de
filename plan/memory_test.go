package plan

import (
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestPlanMemoryFloor: the memory limit keeps a floor of MemAvailable
// free (2 GiB, or an eighth of MemTotal on a small host), refuses a plan
// that would go below it and says by how much.
func TestPlanMemoryFloor(t *testing.T) {
	const gib = int64(1) << 30
	// 100,000 connections: 2 × 100,000 × (4,150 + 48) B + workers.
	src := "[topology]\nclient-addresses = 4\n[client]\nconnections = 100000\n[[phase]]\nkind = \"connect\"\n"
	for _, tt := range []struct {
		name          string
		avail, total  int64
		ok            bool
		floor         int64
		why, notInWhy string
	}{
		{"plenty", 23 * gib, 24 * gib, true, 2 * gib, "a floor of 2.0 GiB kept free", "below the floor"},
		{"leaves 1 GiB over the floor", 2*gib + 900<<20 + gib, 24 * gib, true, 2 * gib, "", "below the floor"},
		{"leaves less than the floor", 2*gib + 500<<20, 24 * gib, false, 2 * gib, "below the floor", ""},
		{"more than MemAvailable", 500 << 20, 24 * gib, false, 2 * gib, "more than MemAvailable", ""},
		{"small host keeps an eighth", 1500 << 20, 2 * gib, true, 256 << 20, "a floor of 256.0 MiB", ""},
		{"small host, too little", 900 << 20, 2 * gib, false, 256 << 20, "below the floor", ""},
		{"MemTotal unknown", 23 * gib, 0, true, 2 * gib, "2.0 GiB", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scenarios.Parse("t.toml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			env := DefaultEnv()
			env.MemAvailable, env.MemTotal = tt.avail, tt.total
			if f := memFloor(env); f != tt.floor {
				t.Errorf("floor = %d, want %d", f, tt.floor)
			}
			p, err := New(s, env)
			if (err == nil) != tt.ok {
				t.Fatalf("NewPlan error = %v, want ok = %v", err, tt.ok)
			}
			var mem *Limit
			for i := range p.Limits {
				if p.Limits[i].Name == "memory" {
					mem = &p.Limits[i]
				}
			}
			if mem == nil {
				t.Fatal("no memory limit")
			}
			if mem.Have != max(0, tt.avail-tt.floor) || mem.Need != p.KernelBytes+p.UserBytes {
				t.Errorf("need %d have %d; want need %d (kernel + workers), have %d (MemAvailable - floor)", mem.Need, mem.Have, p.KernelBytes+p.UserBytes, tt.avail-tt.floor)
			}
			if !strings.Contains(mem.Why, tt.why) || tt.notInWhy != "" && strings.Contains(mem.Why, tt.notInWhy) {
				t.Errorf("why = %q, want it to say %q and not %q", mem.Why, tt.why, tt.notInWhy)
			}
			if !tt.ok && !strings.Contains(err.Error(), "impossible plan: memory") {
				t.Errorf("error = %v", err)
			}
		})
	}
}

// TestPlanTwoMillion: the built-in two-million plans on the reference
// machine (24 GiB) within the floor, with fs.file-max raised and enough
// five-tuples, and is refused with 18 GiB available (1.7 GiB would be left).
func TestPlanTwoMillion(t *testing.T) {
	s := mustLoad(t, "two-million")
	p, err := New(s, DefaultEnv())
	if err != nil {
		t.Fatalf("two-million on the reference machine: %v", err)
	}
	if p.Connections != 2_000_000 || p.FiveTuples < 2*p.Connections/2 {
		t.Errorf("connections %d, five-tuples %d", p.Connections, p.FiveTuples)
	}
	for _, l := range p.Limits {
		if !l.OK && !l.Soft {
			t.Errorf("limit %s: need %d have %d", l.Name, l.Need, l.Have)
		}
	}
	env := DefaultEnv()
	env.MemTotal, env.MemAvailable = 20<<30, 18<<30
	if _, err := New(s, env); err == nil || !strings.Contains(err.Error(), "below the floor") {
		t.Errorf("two-million with 18 GiB available: %v; want refused below the floor", err)
	}
}
