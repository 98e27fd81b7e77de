package testbed

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
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

// TestHostPlaceholders: {addr}/{addrs} stay plain literals (redis
// --bind), {host}/{hosts} bracket IPv6 for host:port (nginx listen), in
// the environment too (C1M_HOST, C1M_HOSTS).
func TestHostPlaceholders(t *testing.T) {
	for _, tc := range []struct {
		name                           string
		srv                            []string
		addrs, addr, hosts, host, port string
	}{
		{"IPv4", []string{"198.18.0.1", "198.18.0.9"}, "198.18.0.1,198.18.0.9", "198.18.0.1", "198.18.0.1,198.18.0.9", "198.18.0.1", "198.18.0.1:8000"},
		{"IPv6", []string{"2001:2::1", "2001:2::2"}, "2001:2::1,2001:2::2", "2001:2::1", "[2001:2::1],[2001:2::2]", "[2001:2::1]", "[2001:2::1]:8000"},
		{"mixed", []string{"2001:2::1", "198.18.0.1"}, "2001:2::1,198.18.0.1", "2001:2::1", "[2001:2::1],198.18.0.1", "[2001:2::1]", "[2001:2::1]:8000"},
		{"none", nil, "", "", "", "", ":8000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site := programSite{srvAddrs: tc.srv, ports: []int{8000}}.prepared()
			v := programVars(roleServer, 0, 1, "ns", site, nil, 0)
			got, err := expandArgs([]string{"{addrs}", "{addr}", "{hosts}", "{host}", "{host}:{worker-port}"}, v)
			want := []string{tc.addrs, tc.addr, tc.hosts, tc.host, tc.port}
			if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("expandArgs = %q, %v; want %q", got, err, want)
			}
			env := strings.Join(programEnv(nil, nil, v), " ")
			if !strings.Contains(env, "C1M_HOSTS="+tc.hosts+" ") || !strings.Contains(env, "C1M_HOST="+tc.host+" ") {
				t.Errorf("programEnv = %q; want C1M_HOSTS=%s and C1M_HOST=%s", env, tc.hosts, tc.host)
			}
		})
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

// execScenario is a scenario whose external server is argv, with the
// server ports given as a TOML value and an env table.
func execScenario(t *testing.T, ports, argv, env string) (*scenarios.Scenario, error) {
	t.Helper()
	body := "name = \"x\"\n[topology]\nserver-ports = " + ports + "\n[server]\ncommand = " + argv + "\n"
	if env != "" {
		body += "[server.env]\n" + env + "\n"
	}
	body += "[client]\nconnections = 100\n[[phase]]\nkind = \"connect\"\n"
	return scenarios.Parse("x.toml", []byte(body))
}

// TestCheckProgramsExecLimits: what execve would refuse with E2BIG once
// the host is changed (issue 23) is refused before anything is built:
// one string over MAX_ARG_STRLEN (C1M_PORTS of 30,000 ports even when
// argv does not use {ports}; an argument; an env value), or all of them
// over the scenario's share; just under each bound passes.
func TestCheckProgramsExecLimits(t *testing.T) {
	long := func(n int) string { return `"` + strings.Repeat("a", n) + `"` }
	for _, tc := range []struct {
		name, ports, argv, env string
		want                   string // "" passes; else the refusal names it
	}{
		{"few ports", "20", `["/srv", "{ports}"]`, "", ""},
		{"20,000 ports fit", "20000", `["/srv", "{ports}"]`, "", ""},
		{"30,000 ports in C1M_PORTS", "30000", `["/srv"]`, "", "C1M_PORTS"},
		{"30,000 ports in an argument", "30000", `["/srv", "--ports={ports}"]`, "", "{ports}"},
		{"argument at the bound", "1", `["/srv", ` + long(scenarios.MaxArgStrlen-1) + `]`, "", ""},
		{"argument over the bound", "1", `["/srv", ` + long(scenarios.MaxArgStrlen) + `]`, "", "argument 1"},
		{"env at the bound", "1", `["/srv"]`, "V = " + long(scenarios.MaxArgStrlen-3), ""},
		{"env over the bound", "1", `["/srv"]`, "V = " + long(scenarios.MaxArgStrlen-2), "env V"},
		{"all together", "20000", `["/srv", "{ports}", "{ports}", "{ports}", "{ports}", "{ports}", "{ports}", "{ports}", "{ports}", "{ports}"]`, "", "arguments and environment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := execScenario(t, tc.ports, tc.argv, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckPrograms(sc, "/opt/c1m")
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Errorf("passed; want a refusal naming %s", tc.want)
			case tc.want != "" && (!strings.Contains(err.Error(), tc.want) || !errors.Is(err, scenarios.ErrInvalid) || !strings.Contains(err.Error(), "E2BIG")):
				t.Errorf("err = %v; want an invalid-scenario error naming %s and E2BIG", err, tc.want)
			}
		})
	}
}

// TestActionsManyCopiesShareLists: {worker-port} over 10,000 ports runs
// 10,000 copies; listing them for plan shares the port list instead of
// joining it per copy (57,536 copies x 345 KB ran plan out of memory).
func TestActionsManyCopiesShareLists(t *testing.T) {
	sc, err := execScenario(t, "10000", `["/srv", "--port", "{worker-port}", "--all", "{ports}"]`, "")
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, _ := plan.New(sc, plan.DefaultEnv()) // 10,000 copies do not fit in memory: listed all the same
	as := Actions(sc, p, ActionFacts{RunID: "ab12cd", Exe: "/x/c1m-testbed", Bin: "/x"})
	runtime.ReadMemStats(&after)
	progs := actionsOf(as, ActionProgram)
	if len(progs) == 0 || progs[0].Count != 10000 || progs[0].Argv[2] != "{worker-port}" || !strings.HasPrefix(progs[0].Argv[4], "8000,8001,") {
		t.Fatalf("server program = %+v, want 10,000 copies, {worker-port} kept, {ports} expanded", progs)
	}
	// Joined per copy the port list alone is 10,000 x 59 KB = 590 MB.
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("Actions allocated %d MiB for 10,000 copies; want under 64 MiB", got>>20)
	}
}

// twinCase is one generated scenario for TestValidateIsRunsTwin: the
// values that only the topology, exec or the kernel check once the host
// is changed.
type twinCase struct {
	delay, jitter  time.Duration
	nsCount, addrs int
	neighbourTable int
	hostGC         int64 // [host] gc_thresh3, 0: not set
	hostOrphans    int64 // [host] tcp_max_orphans, 0: not set
	envGC          int64 // the host's gc_thresh3
	ports          int
	server, client bool // external programs
	workerPort     bool
	argLen, envLen int
	scale          float64
}

func genTwinCase(r *rand.Rand) twinCase {
	pick := func(xs ...int) int { return xs[r.IntN(len(xs))] }
	c := twinCase{nsCount: 1 + r.IntN(4), envGC: int64(pick(1024, 3000)), scale: []float64{1, 1, 0.5, 2, 10}[r.IntN(5)]}
	switch r.IntN(4) {
	case 1:
		c.delay = time.Duration(1 + r.IntN(3000)) // around netem's 1 µs resolution
	case 2:
		c.delay = time.Duration(1+r.IntN(50)) * time.Millisecond
	}
	if c.delay > 0 && r.IntN(2) == 0 {
		c.jitter = time.Duration(1 + r.Int64N(int64(c.delay)))
	}
	c.addrs = pick(1, 100, 5000+r.IntN(10000))
	if r.IntN(2) == 0 {
		c.neighbourTable = r.IntN(4000)
	}
	if r.IntN(2) == 0 {
		c.hostGC = int64(256 + r.IntN(4000))
	}
	if r.IntN(3) == 0 {
		c.hostOrphans = int64(pick(1024, 1<<20, 1<<28, 1<<30))
	}
	c.ports = pick(1, 2, 20, 1+r.IntN(100), 15000+r.IntN(15000))
	c.server, c.client = r.IntN(2) == 0, r.IntN(3) == 0
	c.workerPort = c.server && r.IntN(3) == 0
	c.argLen = pick(0, 10, scenarios.MaxArgStrlen-2+r.IntN(4))
	c.envLen = pick(0, 10, scenarios.MaxArgStrlen-5+r.IntN(4))
	return c
}

// toml writes the case as a scenario file; baseline leaves out what the
// run side sets on the decoded scenario itself.
func (c twinCase) toml(baseline bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name = \"twin\"\n[topology]\nclient-namespaces = %d\nclient-addresses = %d\n", c.nsCount, c.addrs)
	if !baseline {
		fmt.Fprintf(&b, "server-ports = %d\n", c.ports)
		if c.delay > 0 {
			fmt.Fprintf(&b, "link-delay = %q\n", c.delay.String())
		}
		if c.jitter > 0 {
			fmt.Fprintf(&b, "link-jitter = %q\n", c.jitter.String())
		}
		if c.neighbourTable > 0 {
			fmt.Fprintf(&b, "neighbour-table = %d\n", c.neighbourTable)
		}
		if c.server {
			b.WriteString("[server]\n" + c.serverCommand())
			if c.envLen > 0 {
				fmt.Fprintf(&b, "env = { V = %q }\n", strings.Repeat("v", c.envLen))
			}
		}
	}
	b.WriteString("[client]\nconnections = 1000\n")
	if c.client && !baseline {
		b.WriteString(`command = ["/opt/cli", "--from", "{sources}", "--to", "{addr}:{port}"]` + "\n")
	}
	if !baseline && (c.hostGC > 0 || c.hostOrphans > 0) {
		b.WriteString("[host]\n")
		if c.hostGC > 0 {
			fmt.Fprintf(&b, "\"net.ipv4.neigh.default.gc_thresh3\" = %d\n", c.hostGC)
		}
		if c.hostOrphans > 0 {
			fmt.Fprintf(&b, "\"net.ipv4.tcp_max_orphans\" = %d\n", c.hostOrphans)
		}
	}
	b.WriteString("[[phase]]\nkind = \"connect\"\n")
	return b.String()
}

func (c twinCase) serverArgv() []string {
	argv := []string{"/opt/srv", "--port", "{port}"}
	if c.workerPort {
		argv[2] = "{worker-port}"
	}
	if c.argLen > 0 {
		argv = append(argv, strings.Repeat("a", c.argLen))
	}
	return argv
}

func (c twinCase) serverCommand() string {
	q := make([]string, 0, 4)
	for _, a := range c.serverArgv() {
		q = append(q, strconv.Quote(a))
	}
	return "command = [" + strings.Join(q, ", ") + "]\n"
}

// validateSide is what validate and plan --scale do: decode, scale,
// plan, CheckPrograms.
func (c twinCase) validateSide(env plan.Env) error {
	sc, err := scenarios.Parse("twin.toml", []byte(c.toml(false)))
	if err != nil {
		return err
	}
	sc = sc.Scaled(c.scale)
	if _, err := plan.New(sc, env); err != nil {
		return err
	}
	return CheckPrograms(sc, "/opt/c1m")
}

// runSide is what a run refuses, with validate's own checks left out:
// the scenario is decoded without the values under test and given them
// afterwards, scaled and planned as newRunner does, then checked as the
// topology (Spec.Check, CheckNeighbours against gc_thresh3 after [host]),
// the kernel (an int sysctl holds at most 2^31-1) and execve (every copy's
// argv and environment, built as startPrograms builds them) would after
// the host was changed.
func (c twinCase) runSide(t *testing.T, env plan.Env) error {
	sc, err := scenarios.Parse("twin.toml", []byte(c.toml(true)))
	if err != nil {
		t.Fatalf("baseline does not decode: %v\n%s", err, c.toml(true))
	}
	sc.Topology.LinkDelay, sc.Topology.LinkJitter, sc.Topology.NeighbourTable = c.delay, c.jitter, c.neighbourTable
	sc.Topology.ServerPorts = make([]int, c.ports)
	for i := range sc.Topology.ServerPorts {
		sc.Topology.ServerPorts[i] = scenarios.DefaultFirstPort + i
	}
	if c.server {
		sc.Server.Command = c.serverArgv()
		if c.envLen > 0 {
			sc.Server.Env = map[string]string{"V": strings.Repeat("v", c.envLen)}
		}
		if c.workerPort {
			sc.Server.Workers = c.ports
		}
	}
	if c.client {
		sc.Client.Command = []string{"/opt/cli", "--from", "{sources}", "--to", "{addr}:{port}"}
	}
	if c.hostGC > 0 || c.hostOrphans > 0 {
		sc.Host = map[string]string{}
		if c.hostGC > 0 {
			sc.Host["net.ipv4.neigh.default.gc_thresh3"] = strconv.FormatInt(c.hostGC, 10)
		}
		if c.hostOrphans > 0 {
			sc.Host["net.ipv4.tcp_max_orphans"] = strconv.FormatInt(c.hostOrphans, 10)
		}
	}
	sc = sc.Scaled(c.scale)
	if _, err := plan.New(sc, env); err != nil {
		return err
	}
	for k, v := range sc.Host { // both are ints in the kernel (proc_dointvec)
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n > math.MaxInt32 {
			return fmt.Errorf("the kernel refuses %s = %s", k, v)
		}
	}
	spec := topologySpec(sc, "a1b2c3")
	if err := spec.Check(); err != nil {
		return err
	}
	gc := env.NeighbourMax
	if v, ok := sc.Host["net.ipv4.neigh.default.gc_thresh3"]; ok {
		gc, _ = strconv.ParseInt(v, 10, 64)
	}
	if err := spec.CheckNeighbours(int(gc)); err != nil {
		return err
	}
	return execAsRun(sc, "a1b2c3", "/opt/c1m")
}

// execAsRun builds every copy's argument vector and environment as
// startPrograms does and applies execve's rules to them.
func execAsRun(sc *scenarios.Scenario, runID, bin string) error {
	l, err := computeLayout(sc)
	if err != nil {
		return err
	}
	site := programSite{runID: runID, bin: bin, dir: scenarioDir(sc.Source), tmp: runTmp(runID), srvAddrs: addrStrings(l.Server.Addrs), ports: sc.Topology.ServerPorts}
	for _, role := range []string{roleServer, roleClient} {
		argv, env := sc.Server.Command, sc.Server.Env
		if role == roleClient {
			argv, env = sc.Client.Command, sc.Client.Env
		}
		if len(argv) == 0 {
			continue
		}
		n := externalWorkers(sc, role)
		if n > scenarios.MaxWorkers {
			return fmt.Errorf("%d %s copies", n, role)
		}
		for i := range n {
			ns, sources, conns := topology.ServerName(runID), []string(nil), sc.Client.Connections
			if role == roleClient {
				c := i % sc.Topology.ClientNamespaces
				ns, sources, conns = topology.ClientName(runID, c+1), addrStrings(l.Clients[c].Addrs), share(sc.Client.Connections, n, i)
			}
			vars := programVars(role, i, n, ns, site, sources, conns)
			args, err := expandArgs(argv[1:], vars)
			if err != nil {
				return err
			}
			all := append(append([]string{strings.ReplaceAll(argv[0], "{bin}", bin)}, args...), programEnv(nil, env, vars)...)
			total := 0
			for _, s := range all {
				if len(s)+1 > scenarios.MaxArgStrlen {
					return fmt.Errorf("E2BIG: a string of %d bytes", len(s))
				}
				total += len(s) + 1 + 8
			}
			if total > scenarios.MaxExecBytes {
				return fmt.Errorf("E2BIG: %d bytes in all", total)
			}
		}
	}
	return nil
}

// TestValidateIsRunsTwin generates scenarios around the bounds that only
// the topology, the kernel and execve check once the host is changed
// (link delay and jitter about 1 µs, neighbour-table against gc_thresh3,
// --scale pushing [host] ints past 2^31-1, port and address lists, long
// arguments and env values, one copy per port) and fails on any that
// validate accepts and the run would refuse, or the other way round.
func TestValidateIsRunsTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 5))
	n, refused := 300, 0
	if testing.Short() {
		n = 60
	}
	for i := range n {
		c := genTwinCase(r)
		env := plan.DefaultEnv()
		env.NeighbourMax = c.envGC
		env.FDSoft, env.FDHard = 1<<20, 1<<20 // so that the fd budget does not hide the port lists' bound
		verr, rerr := c.validateSide(env), c.runSide(t, env)
		if (verr == nil) != (rerr == nil) {
			t.Errorf("case %d %+v:\n  validate: %v\n  run:      %v", i, c, verr, rerr)
		}
		if rerr != nil {
			refused++
		}
	}
	if refused == 0 || refused == n {
		t.Errorf("%d of %d cases refused: the generator does not reach both sides of the bounds", refused, n)
	}
}
