package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestServerEngine: server.engine resolved against the host: auto follows
// whether io_uring can be set up, an explicit io_uring where it cannot is
// an error naming the key and the fix, and a [server] command runs its own.
func TestServerEngine(t *testing.T) {
	const unusable = "io_uring_setup: operation not permitted"
	for _, tc := range []struct {
		name, server string
		unusable     string
		engine, why  string
		err          string
	}{
		{"auto here", "", "", "io_uring", "auto: io_uring can be set up here", ""},
		{"auto disabled", "", unusable, "epoll", "auto: io_uring cannot be set up here (" + unusable + ")", ""},
		{"epoll", `engine = "epoll"`, "", "epoll", "server.engine", ""},
		{"io_uring", `engine = "io_uring"`, "", "io_uring", "server.engine", ""},
		{"io_uring disabled", `engine = "io_uring"`, unusable, "", "", `set server.engine = "auto"`},
		{"program", `command = ["/bin/true"]`, "", "", "the [server] command's own", ""},
	} {
		src := "name = \"e\"\n[server]\n" + tc.server + "\n[client]\nconnections = 1000\n[[phase]]\nkind = \"connect\"\n"
		s, err := scenarios.Parse("t.toml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		env := DefaultEnv()
		env.IOUringUnusable = tc.unusable
		p, err := New(s, env)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), unusable) || !errors.Is(err, scenarios.ErrInvalid) {
				t.Errorf("%s: error %v, want one naming %q and why", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p.ServerEngine != tc.engine || p.ServerEngineWhy != tc.why {
			t.Errorf("%s: engine %q (%q), want %q (%q)", tc.name, p.ServerEngine, p.ServerEngineWhy, tc.engine, tc.why)
		}
	}
}
