package cgroups

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectAt(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		version int
		own     map[string]string // controller -> our dir under root ("" = unusable)
	}{
		{"v2 delegated scope", fakeV2, V2, map[string]string{
			"memory": "sys/fs/cgroup/user.slice/x.scope", "cpu": "sys/fs/cgroup/user.slice/x.scope",
			"cpuset": "sys/fs/cgroup/user.slice/x.scope", "hugetlb": "",
		}},
		{"v1 apart, memory nested", fakeV1, V1, map[string]string{
			"memory": "sys/fs/cgroup/memory/process_api/abc", "cpu": "sys/fs/cgroup/cpu",
			"cpuacct": "sys/fs/cgroup/cpuacct", "cpuset": "sys/fs/cgroup/cpuset", "systemd": "",
		}},
		{"v1 cpu,cpuacct together", map[string]string{
			"proc/self/cgroup": "3:memory:/m\n2:cpu,cpuacct:/c\n",
			"proc/self/mountinfo": "1 0 0:1 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
				"2 0 0:2 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
		}, V1, map[string]string{
			"memory": "sys/fs/cgroup/memory/m", "cpu": "sys/fs/cgroup/cpu,cpuacct/c",
			"cpuacct": "sys/fs/cgroup/cpu,cpuacct/c", "cpuset": "",
		}},
		{"v1 in a container: the mount shows a subtree", map[string]string{
			"proc/self/cgroup":    "4:memory:/docker/abc/inner\n",
			"proc/self/mountinfo": "1 0 0:1 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n",
		}, V1, map[string]string{"memory": "sys/fs/cgroup/memory/inner"}},
		{"v2 with a stray v1 net_cls mount", merged(fakeV2, map[string]string{
			"proc/self/cgroup": "1:net_cls,net_prio:/\n0::/user.slice/x.scope\n",
			"proc/self/mountinfo": fakeV2["proc/self/mountinfo"] +
				"40 30 0:40 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n",
		}), V2, map[string]string{"memory": "sys/fs/cgroup/user.slice/x.scope", "net_cls": ""}},
		{"v2 mount point with a space", map[string]string{
			"proc/self/cgroup":                "0::/a\n",
			"proc/self/mountinfo":             `1 0 0:1 / /mnt/cg\040two rw - cgroup2 none rw` + "\n",
			"mnt/cg two/a/cgroup.controllers": "memory\n",
		}, V2, map[string]string{"memory": "mnt/cg two/a", "cpu": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeTree(t, tt.files)
			s, err := DetectAt(root)
			if err != nil {
				t.Fatal(err)
			}
			if s.Version() != tt.version {
				t.Errorf("Version() = %d, want %d", s.Version(), tt.version)
			}
			for ctl, want := range tt.own {
				if want != "" {
					want = filepath.Join(root, want)
				}
				if got := s.OwnDir(ctl); got != want {
					t.Errorf("OwnDir(%s) = %q, want %q", ctl, got, want)
				}
			}
		})
	}
}

func TestDetectAtRefuses(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no /proc/self/cgroup", map[string]string{"proc/self/mountinfo": ""}, "which cgroups"},
		{"no cgroup mount", map[string]string{
			"proc/self/cgroup":    "0::/a\n",
			"proc/self/mountinfo": "1 0 0:1 / /sys rw - sysfs sysfs rw\n",
		}, "mount cgroup2"},
		{"our cgroup outside the mounted subtree", map[string]string{
			"proc/self/cgroup":    "0::/elsewhere\n",
			"proc/self/mountinfo": "1 0 0:1 /mine /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		}, "mount cgroup2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DetectAt(fakeTree(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DetectAt = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestThreadDir(t *testing.T) {
	text := "4:memory:/process_api/abc/c1m-x-srv\n2:cpu,cpuacct:/\n0::/\n"
	tests := []struct {
		h    hierarchy
		want string
	}{
		{hierarchy{mount: "/m", mountRoot: "/", ctls: []string{"memory"}}, "/m/process_api/abc/c1m-x-srv"},
		{hierarchy{mount: "/c", mountRoot: "/", ctls: []string{"cpu", "cpuacct"}}, "/c"},
		{hierarchy{mount: "/c", mountRoot: "/", ctls: []string{"cpu"}}, ""},
	}
	for _, tt := range tests {
		if got := threadDir(text, &tt.h); got != tt.want {
			t.Errorf("threadDir(%v) = %q, want %q", tt.h.ctls, got, tt.want)
		}
	}
}
