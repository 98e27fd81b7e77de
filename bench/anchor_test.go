package main

import (
	"os"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestAnchorVariants: the anchor sitting interleaves rounds of the role
// swap (C/C, ours/ours, and each mix; with --uring the C io_uring pair and
// its mixes with C epoll after them), and every C scenario decodes and
// plans, each role running the program its config names.
func TestAnchorVariants(t *testing.T) {
	for _, tt := range []struct {
		uring bool
		want  []string
	}{
		{false, []string{"c-c-1", "ours-ours-1", "c-ours-1", "ours-c-1", "c-c-2", "ours-ours-2", "c-ours-2", "ours-c-2"}},
		{true, []string{"c-c-1", "ours-ours-1", "c-ours-1", "ours-c-1", "uring-uring-1", "uring-c-1", "c-uring-1",
			"c-c-2", "ours-ours-2", "c-ours-2", "ours-c-2", "uring-uring-2", "uring-c-2", "c-uring-2"}},
	} {
		vs, err := anchorVariants(0.02, 2, tt.uring)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != len(tt.want) {
			t.Fatalf("uring %v: %d runs, want %d", tt.uring, len(vs), len(tt.want))
		}
		cfgs := roundConfigs(tt.uring)
		for i, v := range vs {
			if v.name != tt.want[i] {
				t.Errorf("run %d is %s, want %s", i, v.name, tt.want[i])
			}
			cfg := cfgs[i%len(cfgs)]
			if cfg.server == ours && cfg.client == ours {
				if v.builtin != "million" || strings.Join(v.args, " ") != "--scale 0.02" || v.toml != "" {
					t.Errorf("product run = %s %v, want million --scale 0.02", v.builtin, v.args)
				}
				continue
			}
			sc, err := scenarios.Parse("anchor.toml", []byte(v.toml))
			if err != nil {
				t.Fatalf("%s: %v\n%s", v.name, err, v.toml)
			}
			if sc.Client.Connections != 20000 {
				t.Errorf("%s: %d connections", v.name, sc.Client.Connections)
			}
			for _, role := range []struct {
				name    string
				command []string
				impl    impl
			}{{"server", sc.Server.Command, cfg.server}, {"client", sc.Client.Command, cfg.client}} {
				got := ""
				if len(role.command) > 0 {
					got = role.command[0]
				}
				if want := role.impl.program(role.name); (want == "") != (got == "") || (want != "" && got != "{bin}/"+want) {
					t.Errorf("%s: %s command %q, want the program %q", v.name, role.name, got, want)
				}
			}
			if _, err := plan.New(sc, plan.DefaultEnv()); err != nil {
				t.Errorf("%s plan: %v", v.name, err)
			}
		}
	}
}

// TestUringSources: every program the configs name is built, the io_uring
// ones only with --uring.
func TestUringSources(t *testing.T) {
	for _, c := range roundConfigs(true) {
		for role, i := range map[string]impl{"server": c.server, "client": c.client} {
			name := i.program(role)
			_, epoll := anchorSources[name]
			_, uring := uringSources[name]
			if name != "" && (i == cEpoll) != epoll || (i == cUring) != uring {
				t.Errorf("%s %s: program %q in anchorSources %v, uringSources %v", c.slug, role, name, epoll, uring)
			}
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

// TestPrintAnchorUring: every config of a round gets its column and its
// ratio against C/C of the same round, the io_uring ones too; a sitting
// without --uring prints only the first three ratios.
func TestPrintAnchorUring(t *testing.T) {
	for _, uring := range []bool{false, true} {
		cfgs := roundConfigs(uring)
		var ms []measured
		for range 2 { // two rounds: config k ramps in k+1 seconds
			for k := range cfgs {
				rec := &results.Record{Scenario: "anchor", Summary: results.Summary{PeakEstablished: 1000, RampSeconds: float64(k + 1)}}
				ms = append(ms, measured{rec: rec, syscalls: -1, switches: -1})
			}
		}
		var b strings.Builder
		printAnchor(&b, ms, 0, cfgs)
		out := b.String()
		head, _, _ := strings.Cut(out, "\n")
		ramp := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "ramp s") {
				ramp = l
			}
		}
		want := []string{"ours/C", "cli gap", "srv gap"}
		ratios := []string{"x2.00", "x3.00", "x4.00"}
		if uring {
			want = append(want, "uring/C", "uring srv", "uring cli")
			ratios = append(ratios, "x5.00", "x6.00", "x7.00")
		}
		at := strings.Index(head, cfgs[len(cfgs)-1].name) // the ratios follow the last config, in order
		for _, name := range want {
			i := strings.Index(head[max(at, 0):], name)
			if at < 0 || i < 0 {
				t.Errorf("uring %v: header %q, want the ratios %v after the configs", uring, head, want)
				break
			}
			at += i + len(name)
		}
		if strings.Contains(head, "uring") != uring {
			t.Errorf("uring %v: header %q", uring, head)
		}
		if f := strings.Fields(ramp); strings.Join(f[len(f)-len(ratios):], " ") != strings.Join(ratios, " ") {
			t.Errorf("uring %v: ramp line %q, want ratios %v", uring, ramp, ratios)
		}
		if n := strings.Count(out, ", passed"); n != 2*len(cfgs) {
			t.Errorf("uring %v: %d run lines passed, want %d", uring, n, 2*len(cfgs))
		}
	}
}
