package main

import (
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestAnchorVariants: the anchor sitting interleaves C and product runs,
// and the C scenario decodes and plans with the product's worker counts.
func TestAnchorVariants(t *testing.T) {
	vs, err := anchorVariants(0.02, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"anchor-1", "product-1", "anchor-2", "product-2"}
	for i, v := range vs {
		if v.name != want[i] {
			t.Errorf("run %d is %s, want %s", i, v.name, want[i])
		}
	}
	if vs[1].builtin != "million" || strings.Join(vs[1].args, " ") != "--scale 0.02" {
		t.Errorf("product run = %s %v, want million --scale 0.02", vs[1].builtin, vs[1].args)
	}
	sc, err := scenarios.Parse("anchor.toml", []byte(vs[0].toml))
	if err != nil {
		t.Fatalf("%v\n%s", err, vs[0].toml)
	}
	if sc.Client.Connections != 20000 || len(sc.Server.Command) == 0 || len(sc.Client.Command) == 0 {
		t.Errorf("anchor scenario: %d connections, commands %v / %v", sc.Client.Connections, sc.Server.Command, sc.Client.Command)
	}
	if _, err := plan.New(sc, plan.DefaultEnv()); err != nil {
		t.Errorf("anchor plan: %v", err)
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
