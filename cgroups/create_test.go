package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateWritesLimits(t *testing.T) {
	const v2own = "sys/fs/cgroup/user.slice/x.scope"
	tests := []struct {
		name  string
		files map[string]string
		l     Limits
		paths []string          // directories made, under root
		want  map[string]string // file under root -> content
	}{
		{"v2 all limits", fakeV2, Limits{MemoryBytes: 64 << 20, CPUs: 0.5, CPUSet: "0"},
			[]string{v2own + "/c1m-ab12cd-srv"},
			map[string]string{
				v2own + "/cgroup.subtree_control":         "cpuset cpu memory\n", // Delegate's to write
				v2own + "/c1m-ab12cd-srv/memory.max":      "67108864",
				v2own + "/c1m-ab12cd-srv/cpu.max":         "50000 100000",
				v2own + "/c1m-ab12cd-srv/cpuset.cpus":     "0",
				v2own + "/c1m-ab12cd-srv/cpuset.mems":     "<missing>",
				v2own + "/c1m-ab12cd-srv/memory.low":      "<missing>",
				v2own + "/c1m-ab12cd-srv/cgroup.procs":    "<missing>",
				v2own + "/c1m-ab12cd-srv/cpu.weight":      "<missing>",
				v2own + "/c1m-ab12cd-srv/memory.swap.max": "<missing>",
			}},
		{"v2 cpu only", fakeV2, Limits{CPUs: 1.5},
			[]string{v2own + "/c1m-ab12cd-srv"},
			map[string]string{
				v2own + "/cgroup.subtree_control":     "cpuset cpu memory\n",
				v2own + "/c1m-ab12cd-srv/cpu.max":     "150000 100000",
				v2own + "/c1m-ab12cd-srv/memory.max":  "<missing>",
				v2own + "/c1m-ab12cd-srv/cpuset.cpus": "<missing>",
			}},
		{"v2 no limits: a group for its stats", fakeV2, Limits{},
			[]string{v2own + "/c1m-ab12cd-srv"},
			map[string]string{v2own + "/cgroup.subtree_control": "cpuset cpu memory\n"}},
		{"v2 root cgroup: enables them itself", fakeV2Root, Limits{MemoryBytes: 1 << 20, CPUSet: "0"},
			[]string{"sys/fs/cgroup/c1m-ab12cd-srv"},
			map[string]string{"sys/fs/cgroup/cgroup.subtree_control": "+memory +cpuset"}},
		{"v1 all limits", fakeV1, Limits{MemoryBytes: 64 << 20, CPUs: 0.5, CPUSet: "1"},
			[]string{
				"sys/fs/cgroup/memory/process_api/abc/c1m-ab12cd-srv", "sys/fs/cgroup/cpu/c1m-ab12cd-srv",
				"sys/fs/cgroup/cpuset/c1m-ab12cd-srv", "sys/fs/cgroup/cpuacct/c1m-ab12cd-srv",
			},
			map[string]string{
				"sys/fs/cgroup/memory/process_api/abc/c1m-ab12cd-srv/memory.limit_in_bytes":          "67108864",
				"sys/fs/cgroup/memory/process_api/abc/c1m-ab12cd-srv/memory.kmem.tcp.limit_in_bytes": "67108864",
				"sys/fs/cgroup/cpu/c1m-ab12cd-srv/cpu.cfs_period_us":                                 "100000",
				"sys/fs/cgroup/cpu/c1m-ab12cd-srv/cpu.cfs_quota_us":                                  "50000",
				"sys/fs/cgroup/cpuset/c1m-ab12cd-srv/cpuset.cpus":                                    "1",
				"sys/fs/cgroup/cpuset/c1m-ab12cd-srv/cpuset.mems":                                    "0",
			}},
		{"v1 memory only", fakeV1, Limits{MemoryBytes: 1 << 30},
			[]string{"sys/fs/cgroup/memory/process_api/abc/c1m-ab12cd-srv"},
			map[string]string{
				"sys/fs/cgroup/memory/process_api/abc/c1m-ab12cd-srv/memory.limit_in_bytes": "1073741824",
				"sys/fs/cgroup/cpu/c1m-ab12cd-srv":                                          "<missing>",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeTree(t, tt.files)
			s, err := DetectAt(root)
			if err != nil {
				t.Fatal(err)
			}
			g, err := s.Create("c1m-ab12cd-srv", tt.l)
			if err != nil {
				t.Fatal(err)
			}
			if g.Name() != "c1m-ab12cd-srv" {
				t.Errorf("Name() = %q", g.Name())
			}
			var want []string
			for _, p := range tt.paths {
				want = append(want, filepath.Join(root, p))
			}
			if got := g.Paths(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("Paths() = %q, want %q", got, want)
			}
			for f, content := range tt.want {
				if got := readTree(t, root, f); got != content {
					t.Errorf("%s = %q, want %q", f, got, content)
				}
			}
			if err := g.Remove(); err != nil {
				t.Fatal(err)
			}
			for _, p := range want {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("after Remove, %s: %v", p, err)
				}
			}
			if err := g.Remove(); err != nil {
				t.Errorf("second Remove: %v", err)
			}
		})
	}
}

func TestCreateRefuses(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		group string
		l     Limits
		want  []string // substrings of the error
	}{
		{"empty name", fakeV2, "", Limits{}, []string{"one directory name"}},
		{"slash", fakeV2, "a/b", Limits{}, []string{"one directory name"}},
		{"dot dot", fakeV2, "..", Limits{}, []string{"one directory name"}},
		{"dot", fakeV2, ".", Limits{}, []string{"one directory name"}},
		{"negative memory", fakeV2, "g", Limits{MemoryBytes: -1}, []string{"negative"}},
		{"negative cpus", fakeV2, "g", Limits{CPUs: -0.5}, []string{"not a usable number"}},
		{"cpus below the minimum quota", fakeV2, "g", Limits{CPUs: 0.001}, []string{"0.01 cores"}},
		{"v2 controller not delegated", merged(fakeV2, map[string]string{
			"sys/fs/cgroup/user.slice/x.scope/cgroup.controllers": "pids\n",
		}), "g", Limits{MemoryBytes: 1 << 20}, []string{"memory limit", "memory controller", "Delegate=yes"}},
		{"v1 controller not mounted", map[string]string{
			"proc/self/cgroup":    "4:memory:/\n",
			"proc/self/mountinfo": "1 0 0:1 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
		}, "g", Limits{CPUSet: "0"}, []string{"cpuset limit", "cpuset controller", "mount -t cgroup -o cpuset"}},
		{"v2 controllers not enabled: Delegate not called", fakeV2Scope, "g", Limits{CPUs: 1},
			[]string{"controllers cpu are not enabled", "Delegate", "systemd-run --scope -p Delegate=yes"}},
		{"exists already", merged(fakeV2, map[string]string{
			"sys/fs/cgroup/user.slice/x.scope/c1m-old-srv/": "",
		}), "c1m-old-srv", Limits{}, []string{"exists already", "clean"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DetectAt(fakeTree(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			g, err := s.Create(tt.group, tt.l)
			if err == nil {
				t.Fatalf("Create made %v", g.Paths())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestCreateCleansUp fails the last step of a v1 Create (our cpuset has
// no cpuset.mems to copy) and checks that no directory it made is left.
func TestCreateCleansUp(t *testing.T) {
	files := merged(fakeV1, nil)
	delete(files, "sys/fs/cgroup/cpuset/cpuset.mems")
	root := fakeTree(t, files)
	s, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("c1m-ab12cd-cli", Limits{MemoryBytes: 1 << 20, CPUs: 1, CPUSet: "0"}); err == nil || !strings.Contains(err.Error(), "cpuset.mems") {
		t.Fatalf("Create = %v, want an error about cpuset.mems", err)
	}
	left, err := Leftovers(s, "c1m-")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("a failed Create left %v", left)
	}
}
