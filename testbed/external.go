package testbed

import (
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
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
	// lists holds srvAddrs and ports joined once (prepared); nil: they are
	// joined for every copy.
	lists *siteLists
}

// siteLists are a site's lists as the placeholders give them.
type siteLists struct {
	addrs, ports string   // "198.18.0.1,2001:2::1", "8000,8001"
	hosts        string   // {hosts}: "198.18.0.1,[2001:2::1]"
	port         []string // each port, for {worker-port}
}

// prepared returns site with its lists joined once, so that every copy's
// placeholder values share them: 10,000 copies cost 10,000 small maps,
// not 10,000 copies of a 100 KiB port list.
func (site programSite) prepared() programSite {
	l := site.joinLists()
	site.lists = &l
	return site
}

func (site programSite) joinLists() siteLists {
	if site.lists != nil {
		return *site.lists
	}
	ps := make([]string, len(site.ports))
	for i, p := range site.ports {
		ps[i] = strconv.Itoa(p)
	}
	hs := make([]string, len(site.srvAddrs))
	for i, a := range site.srvAddrs {
		hs[i] = hostForm(a)
	}
	return siteLists{addrs: strings.Join(site.srvAddrs, ","), hosts: strings.Join(hs, ","), ports: strings.Join(ps, ","), port: ps}
}

// hostForm writes an address as the host of a host:port: an IPv6
// literal in brackets ("[2001:2::1]", RFC 3986), anything else as it is.
// {host} and {hosts} give it to programs that join host and port
// themselves (nginx's listen, haproxy's bind).
func hostForm(addr string) string {
	if strings.Contains(addr, ":") {
		return "[" + addr + "]"
	}
	return addr
}

// programVars are the placeholder values of one external program: copy
// index of workers in role, in namespace ns, with its source addresses and
// share of the connections (clients).
func programVars(role string, index, workers int, ns string, site programSite, sources []string, conns int) map[string]string {
	return programVarsJoined(role, index, workers, ns, site, strings.Join(sources, ","), first(sources), conns)
}

// programVarsJoined is programVars with the source addresses already
// joined ("a,b,c") and the first of them.
func programVarsJoined(role string, index, workers int, ns string, site programSite, sources, source string, conns int) map[string]string {
	l := site.joinLists()
	v := map[string]string{
		"addrs": l.addrs, "hosts": l.hosts, "ports": l.ports,
		"sources": sources, "connections": strconv.Itoa(conns),
		"worker": strconv.Itoa(index), "workers": strconv.Itoa(workers),
		"namespace": ns, "run": site.runID, "bin": site.bin, "dir": site.dir, "tmp": site.tmp,
	}
	v["addr"], v["port"], v["source"] = first(site.srvAddrs), first(l.port), source
	v["host"] = ""
	if len(site.srvAddrs) > 0 {
		v["host"] = hostForm(site.srvAddrs[0])
	}
	v[scenarios.WorkerPortPlaceholder] = ""
	if len(l.port) > 0 {
		v[scenarios.WorkerPortPlaceholder] = l.port[index%len(l.port)]
	}
	return v
}

// programEnv is the environment given to an external program on top of
// the orchestrator's: the scenario's env, then C1M_* copies of the
// placeholders (C1M_ADDRS, C1M_PORTS, …).
func programEnv(base []string, scenarioEnv, vars map[string]string) []string {
	env := append([]string(nil), base...)
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, envName(k)+"="+vars[k])
	}
	for _, k := range slices.Sorted(maps.Keys(scenarioEnv)) {
		env = append(env, k+"="+scenarioEnv[k])
	}
	return env
}

// envName is the environment variable that copies placeholder k:
// "worker-port" -> "C1M_WORKER_PORT".
func envName(k string) string { return "C1M_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_")) }

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

// placement is where copy i of copies of role's program runs and what it
// gets: for the clients, the index of its client namespace (copies go
// round the namespaces) and its share of the connections; for the server,
// -1 and every connection. Planning (copyPlanner) and starting
// (startPrograms) both place copies here.
func placement(sc *scenarios.Scenario, role string, i, copies int) (client, conns int) {
	if role != roleClient {
		return -1, sc.Client.Connections
	}
	return i % sc.Topology.ClientNamespaces, share(sc.Client.Connections, copies, i)
}

// copyPlanner gives the placeholder values of every copy of a scenario's
// programs as startPrograms will, from the address layout the topology
// will build (internal/layout, the same function), without building it.
// The long lists (server addresses, ports, each namespace's sources) are
// made once and shared by every copy's map.
type copyPlanner struct {
	sc         *scenarios.Scenario
	runID      string
	site       programSite
	layout     *topology.Topology // the addresses the run will have (names of run execRunID)
	haveLayout bool
	sources    map[int][2]string // client namespace index -> {sources, first source}, made on demand
}

func newCopyPlanner(sc *scenarios.Scenario, runID, bin string) *copyPlanner {
	l, err := computeLayout(sc)
	p := &copyPlanner{sc: sc, runID: runID, layout: l, haveLayout: err == nil, sources: map[int][2]string{}}
	var srv []string
	if p.haveLayout {
		srv = addrStrings(l.Server.Addrs)
	}
	p.site = programSite{runID: runID, bin: bin, dir: scenarioDir(sc.Source), tmp: runTmp(runID), srvAddrs: srv, ports: sc.Topology.ServerPorts}.prepared()
	return p
}

// vars are the placeholder values of copy i of copies of role's program.
// Without a layout (a topology that does not fit) the address
// placeholders stay as written.
func (p *copyPlanner) vars(role string, i, copies int) map[string]string {
	ns := topology.ServerName(p.runID)
	c, conns := placement(p.sc, role, i, copies)
	var sources, source string
	if role == roleClient {
		ns = topology.ClientName(p.runID, c+1)
		if p.haveLayout && c < len(p.layout.Clients) {
			s, ok := p.sources[c]
			if !ok {
				a := addrStrings(p.layout.Clients[c].Addrs)
				s = [2]string{strings.Join(a, ","), first(a)}
				p.sources[c] = s
			}
			sources, source = s[0], s[1]
		}
	}
	v := programVarsJoined(role, i, copies, ns, p.site, sources, source, conns)
	if !p.haveLayout {
		for _, k := range []string{"addrs", "addr", "hosts", "host", "sources", "source"} {
			v[k] = "{" + k + "}"
		}
	}
	return v
}

// execRunID stands for the run id when programs are checked before a run
// has one: as long as any run id (topology.NewRunID and ValidateRunID: 6
// characters), so the names and paths made from it are as long as in any
// run, and what fits here fits in every run.
const execRunID = "zzzzzz"

// CheckPrograms checks, before anything is built, that every copy of the
// scenario's external programs can be started: its argument vector and the
// environment the scenario adds (its env table and the C1M_* copies of
// the placeholders), expanded as the run expands them, must pass
// execve's limits, or the kernel refuses the program with E2BIG after the
// host was changed and the namespaces built. No string may be longer than
// scenarios.MaxArgStrlen with its NUL, and all of them with their
// pointers must fit in scenarios.MaxExecBytes. bin is {bin}, the run id
// execRunID. The sizes are summed, not built, so 10,000 copies cost
// 10,000 small maps. Errors are *scenarios.Error (exit status 2) naming
// the program, the copy, the string and a fix.
func CheckPrograms(sc *scenarios.Scenario, bin string) error {
	var p *copyPlanner
	for _, role := range []string{roleServer, roleClient} {
		argv, env := sc.Server.Command, sc.Server.Env
		if role == roleClient {
			argv, env = sc.Client.Command, sc.Client.Env
		}
		if len(argv) == 0 {
			continue
		}
		if p == nil {
			p = newCopyPlanner(sc, execRunID, bin)
		}
		if err := checkProgramExec(sc, role, argv, env, p); err != nil {
			return err
		}
	}
	return nil
}

// argShape is one argument as far as its length goes: its text without
// placeholders and how often it uses each.
type argShape struct {
	base int
	uses []placeholderUse
}

type placeholderUse struct {
	name  string
	count int
}

// shapeOf measures arg: a placeholder is {name} with name one of
// scenarios.Placeholders (ExpandArgs' rule; the decoder refused others,
// and no {name} can hold a brace, so occurrences never overlap).
func shapeOf(arg string) argShape {
	sh := argShape{base: len(arg)}
	for _, name := range slices.Sorted(maps.Keys(scenarios.Placeholders)) {
		if n := strings.Count(arg, "{"+name+"}"); n > 0 {
			sh.uses = append(sh.uses, placeholderUse{name, n})
			sh.base -= n * (len(name) + 2)
		}
	}
	return sh
}

// length is the argument's length once expanded with vars.
func (sh argShape) length(vars map[string]string) int {
	n := sh.base
	for _, u := range sh.uses {
		n += u.count * len(vars[u.name])
	}
	return n
}

// checkProgramExec checks every copy of one role's program (CheckPrograms).
func checkProgramExec(sc *scenarios.Scenario, role string, argv []string, env map[string]string, p *copyPlanner) error {
	prog := strings.ReplaceAll(argv[0], "{"+scenarios.ProgramPlaceholder+"}", p.site.bin)
	shapes := make([]argShape, len(argv)-1)
	for i, a := range argv[1:] {
		shapes[i] = shapeOf(a)
	}
	// The scenario's own variables are the same for every copy.
	fixed, fixedCount := 0, 0
	for _, k := range slices.Sorted(maps.Keys(env)) {
		s := len(k) + 1 + len(env[k]) + 1
		if s > scenarios.MaxArgStrlen {
			return execStringError(sc, role, role+".env."+k, fmt.Sprintf("env %s", k), 0, 1, s-1,
				fmt.Sprintf("shorten %s.env.%s (pass long data in a file under {dir} or {tmp})", role, k))
		}
		fixed += s
		fixedCount++
	}
	if s := len(prog) + 1; s > scenarios.MaxArgStrlen {
		return execStringError(sc, role, role+".command", "the program", 0, 1, s-1, "name the program by a shorter path")
	}
	copies := externalWorkers(sc, role)
	for i := range copies {
		vars := p.vars(role, i, copies)
		total := fixed + len(prog) + 1
		for j, sh := range shapes {
			n := sh.length(vars) + 1
			if n > scenarios.MaxArgStrlen {
				return execStringError(sc, role, fmt.Sprintf("%s.command[%d]", role, j+1), fmt.Sprintf("argument %d", j+1), i, copies, n-1,
					argFix(role, j+1, sh))
			}
			total += n
		}
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			n := len(envName(k)) + 1 + len(vars[k]) + 1
			if n > scenarios.MaxArgStrlen {
				return execStringError(sc, role, placeholderKey(k, role), envName(k), i, copies, n-1, placeholderFix(k))
			}
			total += n
		}
		total += 8 * (len(argv) + fixedCount + len(vars)) // a pointer per string (execve counts them too)
		if total > scenarios.MaxExecBytes {
			at := sc.ErrorAt(role+".command", fmt.Sprintf("use fewer or shorter arguments and %s.env values, or fewer server ports and addresses (each is in the environment as C1M_*)", role),
				"%s program, copy %d of %d: its arguments and environment would take %s bytes, more than the %s a scenario may give one program (execve would refuse it with E2BIG once the host is changed)",
				role, i+1, copies, units.Int(int64(total)), units.Int(scenarios.MaxExecBytes))
			return at
		}
	}
	return nil
}

// execStringError says that one string of a program is too long for execve.
func execStringError(sc *scenarios.Scenario, role, key, what string, i, copies, n int, fix string) error {
	return sc.ErrorAt(key, fix, "%s program, copy %d of %d: %s would be %s bytes, more than the %s the kernel takes in one argument or environment string (MAX_ARG_STRLEN, with its NUL): the program would fail to start with E2BIG once the host is changed",
		role, i+1, copies, what, units.Int(int64(n)), units.Int(scenarios.MaxArgStrlen-1))
}

// placeholderKey is the scenario key that makes placeholder k long.
func placeholderKey(k, role string) string {
	switch k {
	case "ports", "port", scenarios.WorkerPortPlaceholder:
		return "topology.server-ports"
	case "addrs", "addr", "hosts", "host":
		return "topology.server-addresses"
	case "sources", "source":
		return "topology.client-addresses"
	}
	return role + ".command"
}

// placeholderFix says how to make placeholder k's value shorter.
func placeholderFix(k string) string {
	switch k {
	case "ports":
		return "list fewer server ports (about 20,000 fit: each takes up to 6 bytes)"
	case "addrs", "hosts":
		return "use fewer server addresses (about 8,000 IPv4 or 3,600 IPv6 ones fit: each takes up to 16 bytes, an IPv6 one up to 36 in {hosts})"
	case "sources":
		return "use fewer client addresses per namespace, or more client namespaces (about 8,000 IPv4 or 3,800 IPv6 addresses fit in one namespace's list)"
	}
	return "shorten the path or name it comes from"
}

// argFix says how to shorten argument j of a command.
func argFix(role string, j int, sh argShape) string {
	for _, u := range sh.uses {
		switch u.name {
		case "ports", "addrs", "hosts", "sources":
			return fmt.Sprintf("%s.command[%d] uses {%s}: %s", role, j, u.name, placeholderFix(u.name))
		}
	}
	return fmt.Sprintf("shorten %s.command[%d] (pass long data in a file under {dir} or {tmp})", role, j)
}

// BinDir is {bin} of a run whose binary is exe (Options.Exe): exe's
// directory, symlinks resolved.
func BinDir(exe string) string { return (&runner{opt: Options{Exe: exe}}).binDir() }
