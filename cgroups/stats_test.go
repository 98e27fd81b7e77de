package cgroups

import (
	"path/filepath"
	"testing"
)

func TestStats(t *testing.T) {
	const v2dir = "sys/fs/cgroup/user.slice/x.scope/c1m-t-srv/"
	const memDir = "sys/fs/cgroup/memory/process_api/abc/c1m-t-srv/"
	tests := []struct {
		name  string
		files map[string]string
		l     Limits
		kern  map[string]string // the kernel's files, written after Create
		want  Stats
	}{
		{"v2 everything", fakeV2, Limits{MemoryBytes: 1 << 30, CPUs: 1}, map[string]string{
			v2dir + "memory.current": "1048576\n",
			v2dir + "memory.peak":    "2097152\n",
			v2dir + "memory.stat":    "anon 100\nfile 200\nkernel 300\nsock 4096\nshmem 0\n",
			v2dir + "memory.events":  "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n",
			v2dir + "cpu.stat":       "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 40\nnr_throttled 7\nthrottled_usec 350000\nnr_bursts 0\nburst_usec 0\n",
		}, Stats{MemoryBytes: 1 << 20, MemoryPeak: 2 << 20, SocketBytes: 4096, OOMKills: 1, CPUSeconds: 2.5,
			Periods: 40, Throttled: 7, ThrottledSeconds: 0.35,
			Has: HasMemory | HasMemoryPeak | HasSocket | HasOOMKills | HasCPU | HasThrottling | HasThrottledSeconds}},
		{"v2 old kernel: no memory.peak, no oom_kill", fakeV2, Limits{MemoryBytes: 1 << 30}, map[string]string{
			v2dir + "memory.current": "4096\n",
			v2dir + "memory.stat":    "anon 100\nsock 0\n",
			v2dir + "memory.events":  "low 0\nhigh 0\nmax 0\noom 0\n",
			v2dir + "cpu.stat":       "usage_usec 1000\nuser_usec 1000\nsystem_usec 0\n",
		}, Stats{MemoryBytes: 4096, CPUSeconds: 0.001, Has: HasMemory | HasSocket | HasCPU}},
		{"v1 everything", fakeV1, Limits{MemoryBytes: 1 << 30, CPUs: 1}, map[string]string{
			memDir + "memory.usage_in_bytes":                "1048576\n",
			memDir + "memory.max_usage_in_bytes":            "2097152\n",
			memDir + "memory.kmem.tcp.usage_in_bytes":       "8192\n",
			memDir + "memory.oom_control":                   "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
			"sys/fs/cgroup/cpu/c1m-t-srv/cpu.stat":          "nr_periods 10\nnr_throttled 4\nthrottled_time 2000000000\nnr_bursts 0\nburst_time 0\n",
			"sys/fs/cgroup/cpuacct/c1m-t-srv/cpuacct.usage": "1500000000\n",
		}, Stats{MemoryBytes: 1 << 20, MemoryPeak: 2 << 20, SocketBytes: 8192, OOMKills: 3, CPUSeconds: 1.5,
			Periods: 10, Throttled: 4, ThrottledSeconds: 2,
			Has: HasMemory | HasMemoryPeak | HasSocket | HasOOMKills | HasCPU | HasThrottling | HasThrottledSeconds}},
		{"v1 memory only: no cpu files read", fakeV1, Limits{MemoryBytes: 1 << 30}, map[string]string{
			memDir + "memory.usage_in_bytes": "4096\n",
			memDir + "memory.oom_control":    "oom_kill_disable 0\nunder_oom 0\n",
		}, Stats{MemoryBytes: 4096, Has: HasMemory}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeTree(t, tt.files)
			s, err := DetectAt(root)
			if err != nil {
				t.Fatal(err)
			}
			g, err := s.Create("c1m-t-srv", tt.l)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { g.Remove() })
			for p, content := range tt.kern {
				if err := writeFile(filepath.Join(root, filepath.Dir(p)), filepath.Base(p), content); err != nil {
					t.Fatal(err)
				}
			}
			got, err := g.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Stats() =\n%+v, want\n%+v", got, tt.want)
			}
		})
	}
}

func TestStatsGarbled(t *testing.T) {
	root := fakeTree(t, fakeV2)
	s, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.Create("c1m-t-srv", Limits{MemoryBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Remove() })
	if err := writeFile(g.Paths()[0], "memory.current", "lots\n"); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(g.Paths()[0], "memory.events", "oom_kill 2\n"); err != nil {
		t.Fatal(err)
	}
	got, err := g.Stats()
	if err == nil {
		t.Error("Stats read a garbled memory.current without an error")
	}
	if got.Has&HasMemory != 0 || got.OOMKills != 2 || got.Has&HasOOMKills == 0 {
		t.Errorf("Stats() = %+v, want OOMKills read and MemoryBytes unset", got)
	}
}
