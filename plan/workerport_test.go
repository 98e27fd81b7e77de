package plan

import (
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestPlanWorkerPort: a server with {worker-port} is sized one copy per
// port against the fd budget, and the fix for too few is more ports.
func TestPlanWorkerPort(t *testing.T) {
	for _, tc := range []struct {
		ports, conns string
		ok           bool
	}{
		{"4", "50k", true},  // 12,500 per copy
		{"2", "50k", false}, // 25,000 per copy: over 20,000 files
		{"3", "57k", true},  // 19,000 per copy
		{"3", "60k", false}, // 20,000 per copy + reserve
	} {
		body := "[topology]\nserver-ports = " + tc.ports + "\n[server]\ncommand = [\"redis-server\", \"--port\", \"{worker-port}\"]\n[client]\nconnections = \"" + tc.conns + "\"\n[[phase]]\nkind = \"connect\"\n"
		s, err := scenarios.Parse("wp.toml", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		env := DefaultEnv()
		env.FDHard = 20000
		p, err := New(s, env)
		if !p.PortPerCopy || p.Listeners != 1 {
			t.Errorf("%s ports: port_per_copy %v, listeners %d; want true and 1", tc.ports, p.PortPerCopy, p.Listeners)
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s ports, %s connections: err = %v, want ok %v", tc.ports, tc.conns, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "server ports (one copy each)") {
			t.Errorf("%s ports: the fix should ask for more ports: %v", tc.ports, err)
		}
	}
}
