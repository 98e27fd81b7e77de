package testbed

import (
	"errors"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func TestExpandArgs(t *testing.T) {
	vars := programVars(roleClient, 1, 4, "c1m-ab-c2", "ab", "/opt/bin", []string{"198.18.0.1", "198.18.0.9"}, []int{8000, 8001}, []string{"198.18.0.2"}, 250)
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
	vars := programVars(roleServer, 0, 1, "ns", "ab", "/x", nil, nil, nil, 0)
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
