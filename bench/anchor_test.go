package main

import (
	"os"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestAnchorVariants: the anchor sitting interleaves rounds of the role
// swap (C/C, ours/ours, and each mix), and every C scenario decodes and
// plans, its C roles with the product's worker counts.
func TestAnchorVariants(t *testing.T) {
	vs, err := anchorVariants(0.02, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"c-c-1", "ours-ours-1", "c-ours-1", "ours-c-1", "c-c-2", "ours-ours-2", "c-ours-2", "ours-c-2"}
	if len(vs) != len(want) {
		t.Fatalf("%d runs, want %d", len(vs), len(want))
	}
	for i, v := range vs {
		if v.name != want[i] {
			t.Errorf("run %d is %s, want %s", i, v.name, want[i])
		}
	}
	if vs[1].builtin != "million" || strings.Join(vs[1].args, " ") != "--scale 0.02" {
		t.Errorf("product run = %s %v, want million --scale 0.02", vs[1].builtin, vs[1].args)
	}
	for _, i := range []int{0, 2, 3} {
		cfg := anchorConfigs[i]
		sc, err := scenarios.Parse("anchor.toml", []byte(vs[i].toml))
		if err != nil {
			t.Fatalf("%s: %v\n%s", vs[i].name, err, vs[i].toml)
		}
		if sc.Client.Connections != 20000 || (len(sc.Server.Command) > 0) != cfg.cServer || (len(sc.Client.Command) > 0) != cfg.cClient {
			t.Errorf("%s: %d connections, commands %v / %v", vs[i].name, sc.Client.Connections, sc.Server.Command, sc.Client.Command)
		}
		if _, err := plan.New(sc, plan.DefaultEnv()); err != nil {
			t.Errorf("%s plan: %v", vs[i].name, err)
		}
	}
}

// TestReadPerfStat reads perf stat's CSV lines, and -1 where a counter
// is missing or not supported.
func TestReadPerfStat(t *testing.T) {
	f := t.TempDir() + "/p"
	os.WriteFile(f, []byte("# started on Mon Dec  7\n\n12900000,,raw_syscalls:sys_enter,40000000000,100.00,,\n300000,,context-switches,40000000000,100.00,0.0,K/sec\n"), 0o644)
	if s, c := readPerfStat(f); s != 12.9e6 || c != 3e5 {
		t.Errorf("read %v, %v", s, c)
	}
	os.WriteFile(f, []byte("<not supported>,,raw_syscalls:sys_enter,0,100.00,,\n"), 0o644)
	if s, c := readPerfStat(f); s != -1 || c != -1 {
		t.Errorf("unsupported read as %v, %v", s, c)
	}
}

// TestSlabFloor: two sockets' worth of the six caches' object sizes.
func TestSlabFloor(t *testing.T) {
	in := `slabinfo - version: 2.1
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables...
TCP                 26     26   2368   13    8 : tunables    0    0    0 : slabdata      2      2      0
sock_inode_cache   100    100    832   39    8 : tunables    0    0    0 : slabdata      1      1      0
filp               100    100    192   21    1 : tunables    0    0    0 : slabdata      1      1      0
dentry             100    100    192   21    1 : tunables    0    0    0 : slabdata      1      1      0
eventpoll_epi      100    100    128   32    1 : tunables    0    0    0 : slabdata      1      1      0
eventpoll_pwq      100    100     64   64    1 : tunables    0    0    0 : slabdata      1      1      0
`
	if got := parseSlabFloor(strings.NewReader(in)); got != 7552 {
		t.Errorf("floor = %v, want 7552 (2 × 3,776)", got)
	}
	merged := strings.Replace(in, "eventpoll_pwq", "# merged", 1)
	if got := parseSlabFloor(strings.NewReader(merged)); got != 7552 {
		t.Errorf("floor with eventpoll_pwq merged = %v, want 7552", got)
	}
	if got := parseSlabFloor(strings.NewReader("TCP 1 1 2368 13 8\n")); got != 0 {
		t.Errorf("floor with caches missing = %v, want 0", got)
	}
}
