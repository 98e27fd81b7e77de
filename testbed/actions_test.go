package testbed

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func parseScenario(t *testing.T, body string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("test.toml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func planOf(t *testing.T, sc *scenarios.Scenario) *plan.Plan {
	t.Helper()
	p, err := plan.New(sc, plan.DefaultEnv())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func actionsOf(as []results.Action, kind string) []results.Action {
	var out []results.Action
	for _, a := range as {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// TestActionsHostSettings checks that every [host] key is listed with
// its current and its new value, "+N" (written "+20k") resolved against
// what the host uses now.
func TestActionsHostSettings(t *testing.T) {
	sc := parseScenario(t, `name = "h"
[client]
connections = 100
[host]
"fs.file-max" = "+20k"
"net.ipv4.tcp_max_orphans" = 4096
[[phase]]
kind = "connect"
`)
	if got := sc.Host["fs.file-max"]; got != "+20000" {
		t.Fatalf(`"+20k" decodes to %q, want "+20000" (topology resolves "+N" with N in decimal)`, got)
	}
	as := Actions(sc, planOf(t, sc), ActionFacts{Exe: "/x/c1m-testbed",
		Current: map[string]string{"fs.file-max": "9000000", "net.ipv4.tcp_max_orphans": "131072"},
		InUse:   map[string]int64{"fs.file-max": 5000}})
	want := []results.Action{
		{Kind: ActionHostSysctl, What: "fs.file-max", Old: "9000000", New: "25000"},
		{Kind: ActionHostSysctl, What: "net.ipv4.tcp_max_orphans", Old: "131072", New: "4096"},
	}
	if got := actionsOf(as, ActionHostSysctl); !slices.EqualFunc(got, want, func(a, b results.Action) bool {
		return a.What == b.What && a.Old == b.Old && a.New == b.New
	}) {
		t.Errorf("host actions = %+v, want %+v", got, want)
	}
	// Once applied, the record holds what was really written.
	rec := recordActions(as, []results.HostSetting{{Key: "fs.file-max", Before: "9000000", Set: "25012"}})
	if a := actionsOf(rec, ActionHostSysctl)[0]; a.New != "25012" || a.Old != "9000000" {
		t.Errorf("recorded fs.file-max action = %+v, want the value set, 25012", a)
	}
}

// TestActionsTopologyAndPrograms checks the namespaces (prefix and count)
// and the programs run as root: built-in workers with their count, an
// external program's argv with the placeholders that are the same for
// every copy expanded and the others left as written.
func TestActionsTopologyAndPrograms(t *testing.T) {
	sc := parseScenario(t, `name = "p"
[topology]
client-namespaces = 2
client-addresses = 2
server-ports = 2
[server]
command = ["{bin}/srv", "--listen", "{addrs}", "--ports", "{ports}", "--run", "{run}"]
workers = 2
[client]
connections = 1000
command = ["/opt/cli", "--to", "{addr}:{port}", "--from", "{sources}", "-n", "{connections}"]
[[phase]]
kind = "connect"
`)
	as := Actions(sc, planOf(t, sc), ActionFacts{RunID: "ab12cd", Exe: "/x/c1m-testbed", Bin: "/x"})
	ns := actionsOf(as, ActionNamespaces)
	if len(ns) != 1 || ns[0].Count != 3 || !strings.Contains(ns[0].What, "c1m-ab12cd-srv") || !strings.Contains(ns[0].What, "c1m-ab12cd-c2") {
		t.Errorf("namespaces = %+v, want 3: c1m-ab12cd-srv, -c1, -c2", ns)
	}
	if l := actionsOf(as, ActionLinks); len(l) != 1 || l[0].Count != 2 {
		t.Errorf("links = %+v, want 2 veth pairs", l)
	}
	progs := actionsOf(as, ActionProgram)
	if len(progs) != 2 {
		t.Fatalf("programs = %+v, want a server and a client program", progs)
	}
	srv, cli := progs[0], progs[1]
	wantSrv := []string{"/x/srv", "--listen", "198.18.0.1", "--ports", "8000,8001", "--run", "ab12cd"}
	if srv.Count != 2 || !slices.Equal(srv.Argv, wantSrv) {
		t.Errorf("server program = %d× %q, want 2× %q", srv.Count, srv.Argv, wantSrv)
	}
	// Two client copies, one per namespace: their sources differ, their
	// share of the connections (500 each) does not.
	wantCli := []string{"/opt/cli", "--to", "198.18.0.1:8000", "--from", "{sources}", "-n", "500"}
	if cli.Count != 2 || !slices.Equal(cli.Argv, wantCli) {
		t.Errorf("client program = %d× %q, want 2× %q", cli.Count, cli.Argv, wantCli)
	}

	builtin := parseScenario(t, "name = \"b\"\n[client]\nconnections = 100\n[[phase]]\nkind = \"connect\"\n")
	p := planOf(t, builtin)
	progs = actionsOf(Actions(builtin, p, ActionFacts{Exe: "/x/c1m-testbed"}), ActionProgram)
	if len(progs) != 2 || !slices.Equal(progs[0].Argv, []string{"/x/c1m-testbed", "node", "server"}) || progs[0].Count != p.ServerWorkers ||
		!slices.Equal(progs[1].Argv, []string{"/x/c1m-testbed", "node", "client"}) || progs[1].Count != p.ClientWorkers {
		t.Errorf("built-in workers = %+v, want %d servers and %d clients of /x/c1m-testbed node", progs, p.ServerWorkers, p.ClientWorkers)
	}
}

// TestWriteActions checks the human form: root, old -> new, argv quoted.
func TestWriteActions(t *testing.T) {
	var b strings.Builder
	WriteActions(&b, []results.Action{
		{Kind: ActionHostSysctl, What: "fs.file-max", Old: "100", New: "200"},
		{Kind: ActionProgram, What: "server program", Argv: []string{"/bin/sh", "-c", "echo hi; sleep 1"}, Count: 3},
	})
	for _, want := range []string{"root", "fs.file-max: 100 -> 200", "3× server program: /bin/sh -c 'echo hi; sleep 1'"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteActions output lacks %q:\n%s", want, b.String())
		}
	}
}

// TestHostInUseCoversEveryKey checks that ProbeEnv reads "in use now" for
// every [host] key the scenarios package checks against it.
func TestHostInUseCoversEveryKey(t *testing.T) {
	for k := range plan.HostInUseKeys {
		if _, ok := hostInUse[k]; !ok {
			t.Errorf("%s has an amount in use (%s) but testbed does not read it: add it to hostInUse", k, plan.HostInUseKeys[k])
		}
	}
	for k := range hostInUse {
		if _, ok := plan.HostInUseKeys[k]; !ok {
			t.Errorf("testbed reads in use for %s, which scenarios does not check: remove it", k)
		}
	}
}

// TestActionsLinkShaping: shaped links are listed as netem qdiscs on both
// ends of every client veth, with the shape; unshaped links add nothing.
func TestActionsLinkShaping(t *testing.T) {
	body := `name = "w"
[topology]
client-namespaces = 2
%s
[client]
connections = 100
[[phase]]
kind = "connect"
`
	sc := parseScenario(t, strings.Replace(body, "%s", `link-delay = "20ms"
link-jitter = "5ms"
link-loss = 1.5
link-rate = "100Mbit"`, 1))
	qs := actionsOf(Actions(sc, planOf(t, sc), ActionFacts{Exe: "/x"}), ActionQdisc)
	if len(qs) != 1 || qs[0].Count != 4 {
		t.Fatalf("qdisc actions %+v, want one of 4 (2 links × 2 ends)", qs)
	}
	for _, w := range []string{"netem", "delay 20ms ± 5ms", "loss 1.5%", "rate 100Mbit/s", "both ends"} {
		if !strings.Contains(qs[0].What, w) {
			t.Errorf("qdisc action %q lacks %q", qs[0].What, w)
		}
	}
	sc = parseScenario(t, strings.Replace(body, "%s", "", 1))
	if qs := actionsOf(Actions(sc, planOf(t, sc), ActionFacts{Exe: "/x"}), ActionQdisc); len(qs) != 0 {
		t.Errorf("unshaped links list qdiscs: %+v", qs)
	}
}

// TestWriteActionsCannotLie: what plan and run print before root acts
// shows every byte of an argument or value that could hide or reorder a
// line (issue 23: a "\r" or an escape sequence hid a "run as root ...
// chmod u+s" line, a right-to-left override reversed it), in bash's
// $'...' form that reads back as the same bytes.
func TestWriteActionsCannotLie(t *testing.T) {
	for _, tc := range []struct {
		arg, want string
	}{
		{"x\rrun as root 1× nothing", `$'x\rrun as root 1× nothing'`},
		{"\x1b[1A\x1b[2Kok", `$'\x1b[1A\x1b[2Kok'`},
		{"\u202eu+s domhc", `$'\u202eu+s domhc'`},
		{"it's\n", `$'it\'s\n'`},
		{"plain", "plain"},
		{"two words", "'two words'"},
	} {
		var b strings.Builder
		WriteActions(&b, []results.Action{
			{Kind: ActionProgram, What: "server program (\x1b]0;t\x07a.toml)", Argv: []string{"/bin/sh", tc.arg}, Count: 1},
			{Kind: ActionHostSysctl, What: "fs.file-max", Old: "1\r", New: "2\u202e"},
			{Kind: ActionNamespaceSysctl, What: "server: k\x1b[2J", New: "v\r"},
			{Kind: ActionNamespaces, What: "ns\u2066", Count: 1},
		})
		out := b.String()
		if !strings.Contains(out, "/bin/sh "+tc.want+"\n") {
			t.Errorf("argument %q printed as\n%s\nwant %s", tc.arg, out, tc.want)
		}
		for _, r := range out {
			if r != '\n' && printable.String(string(r)) != string(r) {
				t.Errorf("output holds %U raw:\n%q", r, out)
			}
		}
		if n := strings.Count(out, "\n"); n != 5 {
			t.Errorf("%d lines, want 5 (title and 4 actions):\n%s", n, out)
		}
	}
}

// TestActionsShowEnv: an external program's env table is listed (and
// printed) with the program: root runs it with these variables.
func TestActionsShowEnv(t *testing.T) {
	sc := parseScenario(t, `name = "e"
[server]
command = ["/opt/srv"]
env = { LD_PRELOAD = "/tmp/evil.so", GOGC = "50" }
[client]
connections = 10
[[phase]]
kind = "connect"
`)
	as := Actions(sc, planOf(t, sc), ActionFacts{Exe: "/x/c1m-testbed", Bin: "/x"})
	envs := actionsOf(as, ActionProgramEnv)
	if len(envs) != 1 || !slices.Equal(envs[0].Argv, []string{"GOGC=50", "LD_PRELOAD=/tmp/evil.so"}) {
		t.Fatalf("env actions = %+v, want the server's GOGC and LD_PRELOAD", envs)
	}
	var b strings.Builder
	WriteActions(&b, as)
	if !strings.Contains(b.String(), "with env     GOGC=50 LD_PRELOAD=/tmp/evil.so") {
		t.Errorf("WriteActions does not show the env:\n%s", b.String())
	}
}

// TestPhaseLinesEscaped: run announces phases by name; a name (or a
// request the description quotes) with escape sequences is shown escaped.
func TestPhaseLinesEscaped(t *testing.T) {
	ph := scenarios.Phase{Kind: scenarios.PhaseHold, Name: "h\x1b[2J\x1b[Hall expectations held\r", Duration: time.Second}
	start := phaseStartLine(ph, scenarios.Client{})
	end := phaseEndLine(results.Phase{Name: ph.Name, Outcome: "done", Seconds: 1})
	for _, line := range []string{start, end} {
		if printable.String(line) != line || !strings.Contains(line, `h\x1b[2J\x1b[Hall expectations held\r`) {
			t.Errorf("phase line %q is not escaped", line)
		}
	}
}

// FuzzWriteActions: whatever a scenario or the host puts in an action,
// the printed list has one line per action and no byte that printable
// would escape.
func FuzzWriteActions(f *testing.F) {
	for _, s := range []string{"plain", "a b", "x\rrun as root", "\x1b[2J", "\u202e", "\xff'", "it's\\"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, what, arg string) {
		var b strings.Builder
		WriteActions(&b, []results.Action{
			{Kind: ActionHostSysctl, What: what, Old: arg, New: what},
			{Kind: ActionNamespaceSysctl, What: what, New: arg},
			{Kind: ActionProgram, What: what, Argv: []string{arg, what}, Count: 1},
			{Kind: ActionProgramEnv, What: what, Argv: []string{what + "=" + arg}},
			{Kind: ActionLinks, What: what, Count: 1},
		})
		out := b.String()
		if n := strings.Count(out, "\n"); n != 6 {
			t.Fatalf("%d lines for 5 actions:\n%q", n, out)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("output is not valid UTF-8: %q", out)
		}
		for _, r := range strings.ReplaceAll(out, "\n", "") {
			if printable.String(string(r)) != string(r) {
				t.Fatalf("output holds %U raw: %q", r, out)
			}
		}
	})
}
