package testbed

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// expandArgs replaces the placeholders of argv with vars: the one list of
// placeholders and their expansion is scenarios.Placeholders and
// scenarios.ExpandArgs (the decoder refused unknown ones already).
func expandArgs(argv []string, vars map[string]string) ([]string, error) {
	return scenarios.ExpandArgs(argv, vars)
}

// programSite is what every copy of a run's external programs shares.
type programSite struct {
	runID, bin string
	dir, tmp   string // the scenario file's directory, the run's private directory
	srvAddrs   []string
	ports      []int
}

// programVars are the placeholder values of one external program: copy
// index of workers in role, in namespace ns, with its source addresses and
// share of the connections (clients).
func programVars(role string, index, workers int, ns string, site programSite, sources []string, conns int) map[string]string {
	ps := make([]string, len(site.ports))
	for i, p := range site.ports {
		ps[i] = strconv.Itoa(p)
	}
	v := map[string]string{
		"addrs": strings.Join(site.srvAddrs, ","), "ports": strings.Join(ps, ","),
		"sources": strings.Join(sources, ","), "connections": strconv.Itoa(conns),
		"worker": strconv.Itoa(index), "workers": strconv.Itoa(workers),
		"namespace": ns, "run": site.runID, "bin": site.bin, "dir": site.dir, "tmp": site.tmp,
	}
	v["addr"], v["port"], v["source"] = first(site.srvAddrs), first(ps), first(sources)
	v[scenarios.WorkerPortPlaceholder] = ""
	if len(ps) > 0 {
		v[scenarios.WorkerPortPlaceholder] = ps[index%len(ps)]
	}
	return v
}

// programEnv is the environment given to an external program on top of
// the orchestrator's: the scenario's env, then C1M_* copies of the
// placeholders (C1M_ADDRS, C1M_PORTS, …).
func programEnv(base []string, scenarioEnv, vars map[string]string) []string {
	env := append([]string(nil), base...)
	for _, k := range sortedKeys(vars) {
		env = append(env, "C1M_"+strings.ToUpper(strings.ReplaceAll(k, "-", "_"))+"="+vars[k])
	}
	for _, k := range sortedKeys(scenarioEnv) {
		env = append(env, k+"="+scenarioEnv[k])
	}
	return env
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// ErrProgram marks an external program that could not be found or run.
var ErrProgram = errors.New("external program")

// resolveProgram expands {bin} in an external command's program and finds
// it: a path is made absolute, a bare name is looked up in PATH. A program
// that is missing or not executable is an error wrapping ErrRefused and
// ErrProgram that names it.
func resolveProgram(role, prog, bin string) (string, error) {
	prog = strings.ReplaceAll(prog, "{"+scenarios.ProgramPlaceholder+"}", bin) // the decoder allows no other placeholder here
	path, err := exec.LookPath(prog)
	if err != nil {
		how := "build it or fix the path in the scenario (docs/byo.md)"
		if errors.Is(err, exec.ErrNotFound) && !strings.Contains(prog, "/") {
			how = "put it on PATH or name it by its path"
		}
		return "", fmt.Errorf("%w: %w: %s program %q cannot be run: %w; %s", ErrRefused, ErrProgram, role, prog, err, how)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, nil
}

// externalWorkers is how many copies of a role's external program run:
// the role's workers key, or 1 server / one client per client namespace.
func externalWorkers(sc *scenarios.Scenario, role string) int {
	if role == roleServer {
		return max(1, sc.Server.Workers)
	}
	return max(sc.Topology.ClientNamespaces, sc.Client.Workers)
}
