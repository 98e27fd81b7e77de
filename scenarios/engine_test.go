package scenarios

import (
	"testing"
)

// TestEngineKeys: server.engine and the server's system call bounds
// decode, and their refusals say what to write.
func TestEngineKeys(t *testing.T) {
	decodeCases(t, []decodeCase{
		{"", func(s *Scenario) bool { return s.Server.Engine == DefaultEngine }, ""},
		{"[server]\nengine = \"epoll\"\n", func(s *Scenario) bool { return s.Server.Engine == "epoll" }, ""},
		{"[server]\nengine = \"io_uring\"\n", func(s *Scenario) bool { return s.Server.Engine == "io_uring" }, ""},
		{"[server]\nengine = \"kqueue\"\n", nil, `use one of "auto", "epoll", "io_uring"`},
		{"[expect]\nmin-server-syscalls-per-conn = 4\nmax-server-syscalls-per-conn = 6\n", func(s *Scenario) bool {
			return s.Expect.MinServerSyscallsPerConn == 4 && s.Expect.MaxServerSyscallsPerConn == 6
		}, ""},
		{"[expect]\nmin-server-syscalls-per-conn = 4\nmax-server-syscalls-per-conn = 3\n", nil, "min-server-syscalls-per-conn 4 is more than max-server-syscalls-per-conn 3"},
		{"[expect]\nmax-server-syscalls-per-conn = -1\n", nil, "max-server-syscalls-per-conn"},
	})
}
