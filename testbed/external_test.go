package testbed

import (
	"errors"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func TestExpandArgs(t *testing.T) {
	site := programSite{runID: "ab", bin: "/opt/bin", dir: "/etc/lab", tmp: "/run/x/tmp", srvAddrs: []string{"198.18.0.1", "198.18.0.9"}, ports: []int{8000, 8001}}
	vars := programVars(roleClient, 1, 4, "c1m-ab-c2", site, []string{"198.18.0.2"}, 250)
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"{addrs}", "198.18.0.1,198.18.0.9", false},
		{"--port={port}", "--port=8000", false},
		{"{ports}", "8000,8001", false},
		{"{sources}/{source}", "198.18.0.2/198.18.0.2", false},
		{"-n{connections}", "-n250", false},
		{"{worker}of{workers}", "1of4", false},
		{"{namespace} {run} {bin}", "c1m-ab-c2 ab /opt/bin", false},
		{"{dir}/a.conf {tmp}/p {worker-port}", "/etc/lab/a.conf /run/x/tmp/p 8001", false},
		{`{"json": 1}`, `{"json": 1}`, false},
		{"{nope}", "", true},
	} {
		got, err := expandArgs([]string{tc.in}, vars)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), "{nope}") || !errors.Is(err, scenarios.ErrInvalid) {
				t.Errorf("expandArgs(%q): err = %v, want one naming {nope}", tc.in, err)
			}
			continue
		}
		if err != nil || got[0] != tc.want {
			t.Errorf("expandArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestProgramEnv(t *testing.T) {
	env := programEnv([]string{"PATH=/bin"}, map[string]string{"GOMAXPROCS": "1"}, map[string]string{"ports": "8000"})
	want := []string{"PATH=/bin", "C1M_PORTS=8000", "GOMAXPROCS=1"}
	if strings.Join(env, " ") != strings.Join(want, " ") {
		t.Errorf("programEnv = %q, want %q", env, want)
	}
}

// TestProgramVarsCoverPlaceholders checks that testbed gives a value to
// every placeholder of scenarios' one list, and to nothing else.
func TestProgramVarsCoverPlaceholders(t *testing.T) {
	vars := programVars(roleServer, 0, 1, "ns", programSite{runID: "ab", bin: "/x"}, nil, 0)
	for name := range scenarios.Placeholders {
		if _, ok := vars[name]; !ok {
			t.Errorf("placeholder {%s} has no value in programVars", name)
		}
	}
	for name := range vars {
		if _, ok := scenarios.Placeholders[name]; !ok {
			t.Errorf("programVars sets {%s}, which scenarios.Placeholders does not list", name)
		}
	}
}

// TestWorkerPort: copy i gets port i mod the port count, in the
// environment too (C1M_WORKER_PORT).
func TestWorkerPort(t *testing.T) {
	site := programSite{ports: []int{6379, 6380, 6381}}
	for i, want := range []string{"6379", "6380", "6381", "6379"} {
		v := programVars(roleServer, i, 4, "ns", site, nil, 0)
		if v["worker-port"] != want {
			t.Errorf("copy %d: {worker-port} = %q, want %s", i, v["worker-port"], want)
		}
	}
	env := programEnv(nil, nil, map[string]string{"worker-port": "6380"})
	if len(env) != 1 || env[0] != "C1M_WORKER_PORT=6380" {
		t.Errorf("programEnv = %q, want C1M_WORKER_PORT=6380", env)
	}
}

func TestExternalWorkers(t *testing.T) {
	sc := &scenarios.Scenario{Topology: scenarios.Topology{ClientNamespaces: 3}}
	if s, c := externalWorkers(sc, roleServer), externalWorkers(sc, roleClient); s != 1 || c != 3 {
		t.Errorf("defaults: %d servers, %d clients; want 1 and 3", s, c)
	}
	sc.Server.Workers, sc.Client.Workers = 4, 6
	if s, c := externalWorkers(sc, roleServer), externalWorkers(sc, roleClient); s != 4 || c != 6 {
		t.Errorf("set: %d servers, %d clients; want 4 and 6", s, c)
	}
}

func TestResolveProgram(t *testing.T) {
	if p, err := resolveProgram(roleServer, "sh", "/x"); err != nil || !strings.HasPrefix(p, "/") {
		t.Errorf("resolveProgram(sh) = %q, %v; want an absolute path", p, err)
	}
	_, err := resolveProgram(roleServer, "{bin}/no-such-server", "/nonexistent")
	if !errors.Is(err, ErrRefused) || !errors.Is(err, ErrProgram) || !strings.Contains(err.Error(), "/nonexistent/no-such-server") {
		t.Errorf("missing program: err = %v, want ErrRefused+ErrProgram naming it", err)
	}
}
