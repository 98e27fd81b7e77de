package scenarios

import (
	"strings"
	"testing"
)

// TestEngineKeys: server.engine and the server's system call bounds
// decode, and their refusals say what to write.
func TestEngineKeys(t *testing.T) {
	const base = "[client]\nconnections = 100\n[[phase]]\nkind = \"connect\"\n"
	for _, tc := range []struct {
		toml  string
		check func(*Scenario) bool
		err   string
	}{
		{"", func(s *Scenario) bool { return s.Server.Engine == DefaultEngine }, ""},
		{"[server]\nengine = \"epoll\"\n", func(s *Scenario) bool { return s.Server.Engine == "epoll" }, ""},
		{"[server]\nengine = \"io_uring\"\n", func(s *Scenario) bool { return s.Server.Engine == "io_uring" }, ""},
		{"[server]\nengine = \"kqueue\"\n", nil, `use one of "auto", "epoll", "io_uring"`},
		{"[expect]\nmin-server-syscalls-per-conn = 4\nmax-server-syscalls-per-conn = 6\n", func(s *Scenario) bool {
			return s.Expect.MinServerSyscallsPerConn == 4 && s.Expect.MaxServerSyscallsPerConn == 6
		}, ""},
		{"[expect]\nmin-server-syscalls-per-conn = 4\nmax-server-syscalls-per-conn = 3\n", nil, "min-server-syscalls-per-conn 4 is more than max-server-syscalls-per-conn 3"},
		{"[expect]\nmax-server-syscalls-per-conn = -1\n", nil, "max-server-syscalls-per-conn"},
	} {
		s, err := Parse("x.toml", []byte(base+tc.toml))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.toml, err, tc.err)
			}
			continue
		}
		if err != nil || !tc.check(s) {
			t.Errorf("%q: %v; decoded %+v %+v", tc.toml, err, s.Server, s.Expect)
		}
	}
}
