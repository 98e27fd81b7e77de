package scenarios

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseCPUSet(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  string
	}{
		{"0", "[0]", ""},
		{"0-3", "[0 1 2 3]", ""},
		{" 1, 3-4 ", "[1 3 4]", ""},
		{"", "", "empty"},
		{"3-1", "", "backwards"},
		{"0,0", "", "listed twice"},
		{"a", "", "not a CPU number"},
		{"-1", "", "not a CPU number"},
		{"4096", "", "not a CPU number"},
		{"1-", "", "not a CPU number"},
	} {
		got, err := ParseCPUSet(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseCPUSet(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("ParseCPUSet(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// TestRoleLimitsDecode checks the limits of each role and the OOM and
// throttling expectations, and their refusals with file:line.
func TestRoleLimitsDecode(t *testing.T) {
	decodeCases(t, []decodeCase{
		{"[server]\nmemory-limit = \"512MiB\"\ncpu-limit = 1.5\ncpus = \"1\"\n", func(s *Scenario) bool {
			return s.Server.MemoryLimit == 512<<20 && s.Server.CPULimit == 1.5 && s.Server.CPUs == "1" && s.Server.RoleLimits.Set() && !s.Client.RoleLimits.Set()
		}, ""},
		{"[server]\ncpus = 0\n", func(s *Scenario) bool { return s.Server.CPUs == "0" }, ""},
		{"[server]\ncpus = \"\"\n", func(s *Scenario) bool { return s.Server.CPUs == "" && !s.Server.RoleLimits.Set() }, ""}, // any CPU: what --set server.cpus='""' says in a sweep
		{"[server]\ncpu-limit = 2\n", func(s *Scenario) bool { return s.Server.CPULimit == 2 }, ""},
		{"[server]\nmemory-limit = \"512MiB\"\ncpu-limit = 1\n[expect]\nmin-oom-kills = 1\nmax-oom-kills = 3\nmax-throttled = \"20%\"\n", func(s *Scenario) bool {
			return s.Expect.MinOOMKills == 1 && *s.Expect.MaxOOMKills == 3 && *s.Expect.MaxThrottled == 20
		}, ""},
		{"[server]\nmemory-limit = \"1GiB\"\n[expect]\nmax-oom-kills = 0\n", func(s *Scenario) bool { return s.Expect.MaxOOMKills != nil && *s.Expect.MaxOOMKills == 0 }, ""},
		{"[expect]\nmax-oom-kills = 0\n", nil, "max-oom-kills: OOM kills are counted in a role's cgroup, and no role has a memory-limit"},
		{"[server]\nmemory-limit = \"1GiB\"\n[expect]\nmax-throttled = 5\n", nil, "max-throttled: throttling is counted in a role's cgroup, and no role has a cpu-limit"},
		{"[server]\nmemory-limit = \"1MiB\"\n", nil, "x.toml:6:16: server.memory-limit: 1048576 bytes leave a worker no room"},
		{"[server]\ncpu-limit = 0\n", nil, "not a number of cores"},
		{"[server]\ncpu-limit = \"1\"\n", nil, "want a number"},
		{"[server]\ncpus = \"0-\"\n", nil, "x.toml:6:8: server.cpus"},
		{"[server]\nmemory-limit = \"1GiB\"\n[expect]\nmin-oom-kills = 2\nmax-oom-kills = 1\n", nil, "min-oom-kills 2 is more than max-oom-kills 1"},
	})
}
