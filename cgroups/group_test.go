package cgroups

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLeftovers(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		prefix string
		want   []string // under root
	}{
		{"v1: every hierarchy, only prefixed directories", merged(fakeV1, map[string]string{
			"sys/fs/cgroup/memory/process_api/abc/c1m-aa-srv/": "",
			"sys/fs/cgroup/memory/process_api/abc/c1m-bb-cli/": "",
			"sys/fs/cgroup/memory/process_api/abc/other/":      "",
			"sys/fs/cgroup/memory/process_api/abc/c1m-file":    "not a directory",
			"sys/fs/cgroup/memory/c1m-aa-above/":               "", // above our cgroup: never ours
			"sys/fs/cgroup/cpu/c1m-aa-srv/":                    "",
			"sys/fs/cgroup/systemd/c1m-aa-srv/":                "", // not a controller we use
		}), "c1m-", []string{
			"sys/fs/cgroup/cpu/c1m-aa-srv",
			"sys/fs/cgroup/memory/process_api/abc/c1m-aa-srv",
			"sys/fs/cgroup/memory/process_api/abc/c1m-bb-cli",
		}},
		{"v1: one run's prefix", merged(fakeV1, map[string]string{
			"sys/fs/cgroup/memory/process_api/abc/c1m-aa-srv/": "",
			"sys/fs/cgroup/memory/process_api/abc/c1m-bb-cli/": "",
		}), "c1m-bb-", []string{"sys/fs/cgroup/memory/process_api/abc/c1m-bb-cli"}},
		{"v2", merged(fakeV2, map[string]string{
			"sys/fs/cgroup/user.slice/x.scope/c1m-aa-srv/": "",
			"sys/fs/cgroup/user.slice/c1m-aa-cli/":         "",
		}), "c1m-", []string{"sys/fs/cgroup/user.slice/x.scope/c1m-aa-srv"}},
		{"nothing left", fakeV2, "c1m-", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeTree(t, tt.files)
			s, err := DetectAt(root)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Leftovers(s, tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, p := range tt.want {
				want = append(want, filepath.Join(root, p))
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("Leftovers = %q, want %q", got, want)
			}
			if err := RemoveDirs(got); err != nil {
				t.Fatal(err)
			}
			if again, _ := Leftovers(s, tt.prefix); len(again) > 0 {
				t.Errorf("after RemoveDirs, Leftovers = %q", again)
			}
		})
	}
}

func TestLeftoversRefusesEmptyPrefix(t *testing.T) {
	s, err := DetectAt(fakeTree(t, fakeV2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Leftovers(s, ""); err == nil {
		t.Error("Leftovers with an empty prefix would list every cgroup beside ours")
	}
}

// TestRemoveDirsNamesTasks checks that a group whose tasks have not ended
// is reported with their ids and that nothing is moved.
func TestRemoveDirsNamesTasks(t *testing.T) {
	root := fakeTree(t, merged(fakeV1, map[string]string{
		"sys/fs/cgroup/cpu/c1m-aa-srv/tasks": "4242\n4243\n",
	}))
	dir := filepath.Join(root, "sys/fs/cgroup/cpu/c1m-aa-srv")
	rmdir = func(string) error { return os.ErrPermission } // stands for the kernel's EBUSY, without the wait
	err := RemoveDirs([]string{dir, filepath.Join(root, "gone")})
	if err == nil || !strings.Contains(err.Error(), "4242, 4243") || !strings.Contains(err.Error(), "must end first") {
		t.Errorf("RemoveDirs = %v, want the tasks 4242, 4243 named", err)
	}
	if got := readTree(t, root, "sys/fs/cgroup/cpu/c1m-aa-srv/tasks"); got != "4242\n4243\n" {
		t.Errorf("tasks = %q: something was moved", got)
	}
}
