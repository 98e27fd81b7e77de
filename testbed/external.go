package testbed

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// Placeholders lists every placeholder an external command may use, with
// what it becomes (docs/byo.md). Values that are lists are comma-separated.
var Placeholders = map[string]string{
	"addrs":       "the server addresses, comma-separated",
	"addr":        "the first server address",
	"ports":       "the server ports, comma-separated",
	"port":        "the first server port",
	"sources":     "client: this program's source addresses (its namespace's), comma-separated; server: empty",
	"source":      "client: its first source address; server: empty",
	"connections": "client: this program's share of client.connections; server: client.connections",
	"worker":      "this program's index in its role, from 0",
	"workers":     "how many programs its role runs",
	"namespace":   "the network namespace it runs in",
	"run":         "the run id",
	"bin":         "the directory holding the c1m-testbed binary (build your programs next to it)",
}

// placeholderRE matches {name} with a lower-case name; other braces are
// left as written.
var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// expandArgs replaces the placeholders of argv with vars. An unknown
// placeholder is an error naming it.
func expandArgs(argv []string, vars map[string]string) ([]string, error) {
	out := make([]string, len(argv))
	var bad []string
	for i, a := range argv {
		out[i] = placeholderRE.ReplaceAllStringFunc(a, func(m string) string {
			name := m[1 : len(m)-1]
			v, ok := vars[name]
			if !ok {
				bad = append(bad, m)
				return m
			}
			return v
		})
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("unknown placeholder %s in command %q: use %s", bad[0], strings.Join(argv, " "), placeholderList())
	}
	return out, nil
}

func placeholderList() string {
	names := make([]string, 0, len(Placeholders))
	for n := range Placeholders {
		names = append(names, "{"+n+"}")
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

// programVars are the placeholder values of one external program.
func programVars(role string, index, workers int, ns, runID, bin string, srvAddrs []string, ports []int, sources []string, conns int) map[string]string {
	ps := make([]string, len(ports))
	for i, p := range ports {
		ps[i] = strconv.Itoa(p)
	}
	v := map[string]string{
		"addrs": strings.Join(srvAddrs, ","), "ports": strings.Join(ps, ","),
		"sources": strings.Join(sources, ","), "connections": strconv.Itoa(conns),
		"worker": strconv.Itoa(index), "workers": strconv.Itoa(workers),
		"namespace": ns, "run": runID, "bin": bin,
	}
	v["addr"], v["port"], v["source"] = first(srvAddrs), first(ps), first(sources)
	return v
}

// programEnv is the environment given to an external program on top of
// the orchestrator's: the scenario's env, then C1M_* copies of the
// placeholders (C1M_ADDRS, C1M_PORTS, …).
func programEnv(base []string, scenarioEnv, vars map[string]string) []string {
	env := append([]string(nil), base...)
	for _, k := range sortedKeys(vars) {
		env = append(env, "C1M_"+strings.ToUpper(k)+"="+vars[k])
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
	prog = strings.ReplaceAll(prog, "{bin}", bin)
	if placeholderRE.MatchString(prog) {
		return "", fmt.Errorf("%w: %w: %s.command: the program %q may only use the {bin} placeholder", ErrRefused, ErrProgram, role, prog)
	}
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

// checkExternal refuses what a scenario cannot do with external programs
// (an error wrapping scenarios.ErrInvalid): phases that need to command a
// program, and unknown placeholders.
func checkExternal(sc *scenarios.Scenario) error {
	extSrv, extCli := len(sc.Server.Command) > 0, len(sc.Client.Command) > 0
	if !extSrv && !extCli {
		return nil
	}
	vars := programVars("", 0, 1, "", "", "", nil, nil, nil, 0)
	for role, argv := range map[string][]string{roleServer: sc.Server.Command, roleClient: sc.Client.Command} {
		if len(argv) == 0 {
			continue
		}
		if _, err := expandArgs(argv, vars); err != nil {
			return fmt.Errorf("%w: %s.command: %w", scenarios.ErrInvalid, role, err)
		}
	}
	for i, ph := range sc.Phases {
		at := fmt.Sprintf("%s: phase %d (%s)", sc.Source, i+1, ph.Kind)
		switch ph.Kind {
		case scenarios.PhaseSend:
			from := ph.From
			if (from == roleServer && extSrv) || (from == roleClient && extCli) {
				return fmt.Errorf("%w: %s: the %s is an external program and cannot be told to send; remove the phase or use the built-in %s", scenarios.ErrInvalid, at, from, from)
			}
		case scenarios.PhaseClose:
			side := ph.Side
			if side == roleServer && extSrv {
				return fmt.Errorf("%w: %s: the server is an external program and cannot be told to close its connections; close from the client side (side = \"client\")", scenarios.ErrInvalid, at)
			}
			if side == roleClient && extCli && ((ph.Fraction != 0 && ph.Fraction != 1) || ph.Mode == "rst" || ph.Rate > 0) {
				return fmt.Errorf("%w: %s: external clients are closed by SIGTERM, all at once, as the program closes them: remove fraction, rate and mode = \"rst\"", scenarios.ErrInvalid, at)
			}
		case scenarios.PhaseConnect:
			if extCli && ph.Rate > 0 {
				return fmt.Errorf("%w: %s: external clients connect at their own pace: remove rate (pass a rate to your program in client.command instead)", scenarios.ErrInvalid, at)
			}
		}
	}
	return nil
}

// externalWorkers is how many copies of a role's external program run:
// the role's workers key, or 1 server / one client per client namespace.
func externalWorkers(sc *scenarios.Scenario, role string) int {
	if role == roleServer {
		return max(1, sc.Server.Workers)
	}
	return max(sc.Topology.ClientNamespaces, sc.Client.Workers)
}
