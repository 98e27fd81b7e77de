package testbed

import (
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// Kinds of privileged actions (results.Action.Kind).
const (
	ActionHostSysctl      = "host-sysctl"      // a [host] setting, journaled and restored
	ActionNamespaces      = "namespaces"       // network namespaces created under /run/netns
	ActionLinks           = "links"            // veth pairs inside the run's namespaces
	ActionAddresses       = "addresses"        // addresses given to those links
	ActionNamespaceSysctl = "namespace-sysctl" // a [sysctl.*] setting inside the run's namespaces
	ActionConntrack       = "conntrack"        // an nftables rule that makes netfilter track the server namespace
	ActionQdisc           = "qdisc"            // netem qdiscs that shape the client links ([topology] link-*)
	ActionCgroup          = "cgroup"           // a role's cgroup, under the one c1m-testbed runs in (memory-limit, cpu-limit, cpus)
	ActionProgram         = "program"          // a program run as root inside a namespace
	ActionProgramEnv      = "program-env"      // the environment the scenario gives the program listed before it (Argv: NAME=value)
)

// ActionFacts is what the list of privileged actions is computed from
// besides the scenario and its plan.
type ActionFacts struct {
	// RunID names the run; "" in a plan (names then show "<run>").
	RunID string
	// Exe is the binary the built-in workers run from; Bin is {bin}.
	Exe, Bin string
	// Current holds the host's current value of each [host] key.
	Current map[string]string
	// InUse is what the host uses now of keys with an amount in use
	// (plan.Env.HostInUse), for "+N" values.
	InUse map[string]int64
	// Resolve finds an external program as the run would (nil: keep the
	// program as written).
	Resolve func(role, prog string) (string, error)
}

// Actions lists every privileged action a run of sc (already scaled) with
// plan takes, in the order it takes them: each [host] key with its old
// and new value, the namespaces, links and addresses it creates (prefix
// and count), the settings it writes inside them, and every program it
// runs as root, with its argument vector (placeholders expanded where
// every copy gets the same value) and how many copies run. It is pure:
// facts come in through in.
func Actions(sc *scenarios.Scenario, p *plan.Plan, in ActionFacts) []results.Action {
	var out []results.Action
	for _, k := range slices.Sorted(maps.Keys(sc.Host)) {
		out = append(out, results.Action{Kind: ActionHostSysctl, What: k, Old: in.Current[k], New: hostNewValue(k, sc.Host[k], in.InUse)})
	}
	runID := in.RunID
	if runID == "" {
		runID = "<run>"
	}
	prefix := topology.RunPrefix(runID)
	n := sc.Topology.ClientNamespaces
	clients := prefix + "c1"
	if n > 1 {
		clients = fmt.Sprintf("%sc1 … %sc%d", prefix, prefix, n)
	}
	out = append(out,
		results.Action{Kind: ActionNamespaces, Count: n + 1,
			What: fmt.Sprintf("network namespaces %ssrv and %s, under /run/netns", prefix, clients)},
		results.Action{Kind: ActionLinks, Count: n,
			What: fmt.Sprintf("veth pairs %ss<i> <-> %sc<i>, both ends inside the run's namespaces (nothing in the host's)", prefix, prefix)})
	if l, err := computeLayout(sc); err == nil {
		out = append(out, results.Action{Kind: ActionAddresses, Count: len(l.Server.Addrs) + n*len(l.Clients[0].Addrs),
			What: fmt.Sprintf("%d server and %d×%d client addresses from %s, inside the run's namespaces", len(l.Server.Addrs), n, len(l.Clients[0].Addrs), subnets(l))})
		if sc.Topology.ClientSources == scenarios.SourcesAnyIP {
			out = append(out, results.Action{Kind: ActionAddresses, Count: n,
				What: fmt.Sprintf("a local route (AnyIP) for each client namespace's /64 (%s …), on its lo: its sources are bound from it, no address added", l.Clients[0].SourcePrefix)})
		}
	}
	for _, side := range []struct {
		name string
		m    map[string]string
	}{{roleServer, sc.Sysctl.Server}, {roleClient, sc.Sysctl.Client}} {
		for _, k := range slices.Sorted(maps.Keys(side.m)) {
			out = append(out, results.Action{Kind: ActionNamespaceSysctl, What: side.name + ": " + k, New: side.m[k]})
		}
	}
	if sc.Topology.Shaped() {
		out = append(out, results.Action{Kind: ActionQdisc, Count: 2 * n,
			What: fmt.Sprintf("netem qdiscs at the root of both ends of every client veth (%ss<i>, %sc<i>): %s in each direction", prefix, prefix, linkShapeString(sc.Topology))})
	}
	if sc.Topology.Conntrack {
		out = append(out, results.Action{Kind: ActionConntrack, Count: 1,
			What: "an nftables table in " + prefix + "srv whose rule reads the conntrack state, so every connection there is tracked"})
	}
	for _, role := range []string{roleServer, roleClient} {
		if l, ok := limitsOf(sc)[role]; ok {
			out = append(out, results.Action{Kind: ActionCgroup, Count: 1,
				What: fmt.Sprintf("cgroup %s%s under the cgroup c1m-testbed runs in, holding every %s process: %s", prefix, groupSuffix(role), role, limitString(l))})
		}
	}
	out = append(out, programActions(sc, p, in, runID)...)
	return out
}

// limitString says a role's limits: "memory 512.0 MiB, cpu 1 core, cpus 1".
func limitString(l scenarios.RoleLimits) string {
	var parts []string
	if l.MemoryLimit > 0 {
		parts = append(parts, "memory "+units.Bytes(float64(l.MemoryLimit)))
	}
	if l.CPULimit > 0 {
		parts = append(parts, "cpu "+strconv.FormatFloat(l.CPULimit, 'g', -1, 64)+" cores")
	}
	if l.CPUs != "" {
		parts = append(parts, "cpus "+l.CPUs)
	}
	return strings.Join(parts, ", ")
}

// linkShapeString says how the links are shaped: "delay 20ms ± 5ms,
// loss 1%, rate 100Mbit/s".
func linkShapeString(t scenarios.Topology) string {
	var parts []string
	if t.LinkDelay > 0 {
		d := "delay " + t.LinkDelay.String()
		if t.LinkJitter > 0 {
			d += " ± " + t.LinkJitter.String()
		}
		parts = append(parts, d)
	}
	if t.LinkLoss > 0 {
		parts = append(parts, "loss "+strconv.FormatFloat(t.LinkLoss, 'g', -1, 64)+"%")
	}
	if t.LinkRate > 0 {
		parts = append(parts, "rate "+rateString(t.LinkRate))
	}
	return strings.Join(parts, ", ")
}

// rateString renders bits per second with a decimal unit, as tc does.
func rateString(bps uint64) string {
	for _, u := range []struct {
		div  uint64
		name string
	}{{1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}} {
		if bps >= u.div {
			return strconv.FormatFloat(float64(bps)/float64(u.div), 'g', 4, 64) + u.name
		}
	}
	return strconv.FormatUint(bps, 10) + "bit/s"
}

// hostNewValue is what a [host] value will be written as: "+N" for a key
// that may be relative becomes what the host uses now plus N, when known.
func hostNewValue(key, v string, inUse map[string]int64) string {
	if _, rel := scenarios.RelativeHostKeys[key]; rel {
		if n, ok := scenarios.RelativeHostValue(v); ok {
			if used, ok := inUse[key]; ok {
				return strconv.FormatInt(used+n, 10)
			}
		}
	}
	return v
}

// computeLayout lays out the scenario's addresses as the topology will,
// both families (the decoder always sets the subnets), for a run named
// execRunID.
func computeLayout(sc *scenarios.Scenario) (*topology.Topology, error) {
	return topology.Preview(topologySpec(sc, execRunID))
}

// programActions lists the programs of both roles; an external program
// is followed by the environment the scenario gives it (its env table,
// NAME=value, sorted; the C1M_* copies of the placeholders come on top).
func programActions(sc *scenarios.Scenario, p *plan.Plan, in ActionFacts, runID string) []results.Action {
	var out []results.Action
	var planner *copyPlanner
	for _, role := range []string{roleServer, roleClient} {
		argv, env := sc.Server.Command, sc.Server.Env
		builtin := p.ServerWorkers
		if role == roleClient {
			argv, env, builtin = sc.Client.Command, sc.Client.Env, p.ClientWorkers
		}
		if len(argv) == 0 {
			out = append(out, results.Action{Kind: ActionProgram, What: "built-in " + role + " worker",
				Argv: []string{in.Exe, "node", role}, Count: builtin})
			continue
		}
		if planner == nil {
			planner = newCopyPlanner(sc, runID, in.Bin)
		}
		copies := externalWorkers(sc, role)
		prog := strings.ReplaceAll(argv[0], "{bin}", in.Bin)
		if in.Resolve != nil {
			if p, err := in.Resolve(role, argv[0]); err == nil {
				prog = p
			}
		}
		out = append(out, results.Action{Kind: ActionProgram, What: role + " program (" + sc.Source + ")",
			Argv: append([]string{prog}, expandCommon(argv[1:], role, copies, planner)...), Count: copies})
		entries := make([]string, 0, len(env))
		for _, k := range slices.Sorted(maps.Keys(env)) {
			entries = append(entries, k+"="+env[k])
		}
		out = append(out, results.Action{Kind: ActionProgramEnv, What: role + " program environment", Argv: entries, Count: copies})
	}
	return out
}

// expandCommon expands in args the placeholders every copy gives the
// same value; the others ({worker}, {sources}, … when copies differ)
// stay as written, so one argument vector describes every copy. Copies
// are looked at one at a time, their long values shared (copyPlanner).
func expandCommon(args []string, role string, copies int, p *copyPlanner) []string {
	common := p.vars(role, 0, copies)
	for i := 1; i < copies; i++ {
		v := p.vars(role, i, copies)
		for k, c := range common {
			if v[k] != c {
				common[k] = "{" + k + "}"
			}
		}
	}
	out, err := expandArgs(args, common)
	if err != nil {
		return args // validate refused unknown placeholders already
	}
	return out
}

// recordActions puts what the run actually wrote in place of the planned
// host values: a relative value resolved when it was applied.
func recordActions(actions []results.Action, host []results.HostSetting) []results.Action {
	out := slices.Clone(actions)
	for i := range out {
		if out[i].Kind != ActionHostSysctl {
			continue
		}
		for _, h := range host {
			if h.Key == out[i].What {
				out[i].Old, out[i].New = h.Before, h.Set
			}
		}
	}
	return out
}

// WriteActions prints actions for a person, one per line, under a title
// that says they run as root. Every text that came from the scenario or
// the host (keys, values, paths, arguments) goes through
// printable.String, and an argument that needs it is written in bash's
// $'...' form, so no value can move the cursor, hide or reorder a line.
func WriteActions(w io.Writer, actions []results.Action) {
	fmt.Fprintln(w, "What root will do (privileged actions):")
	for _, a := range actions {
		what := printable.String(a.What)
		switch a.Kind {
		case ActionHostSysctl:
			fmt.Fprintf(w, "  host setting   %s: %s -> %s (journaled, restored at teardown)\n", what, printable.String(orUnknown(a.Old)), printable.String(a.New))
		case ActionNamespaceSysctl:
			fmt.Fprintf(w, "  in namespace   %s = %s\n", what, printable.String(a.New))
		case ActionProgram:
			fmt.Fprintf(w, "  run as root    %d× %s: %s\n", a.Count, what, quoteArgv(a.Argv))
		case ActionProgramEnv:
			env := "nothing from the scenario"
			if len(a.Argv) > 0 {
				env = quoteArgv(a.Argv)
			}
			fmt.Fprintf(w, "    with env     %s; and C1M_ADDRS, C1M_PORTS, … (each placeholder's value), on top of root's environment\n", env)
		default:
			fmt.Fprintf(w, "  create         %s (%d)\n", what, a.Count)
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// quoteArgv joins an argument vector as bash would need it typed: plain
// words as they are, words with spaces or shell characters in single
// quotes, and words with anything printable.String escapes (control
// characters, escape sequences, bidirectional overrides, invalid UTF-8)
// in $'...' with those escapes, which bash reads back as the same bytes.
func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		switch {
		case printable.String(a) != a:
			a = "$'" + strings.ReplaceAll(printable.String(a), "'", `\'`) + "'"
		case a == "" || strings.ContainsAny(a, " \t\n'\"\\$`|&;<>()*?[]#~"):
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// PlanActions is Actions for 'c1m-testbed plan': the host's current
// values are read (no root needed), the run id is not known yet.
func PlanActions(sc *scenarios.Scenario, p *plan.Plan, env plan.Env, exe string) []results.Action {
	bin := (&runner{opt: Options{Exe: exe}}).binDir()
	return Actions(sc, p, ActionFacts{Exe: exe, Bin: bin, Current: readSysctls(slices.Sorted(maps.Keys(sc.Host))), InUse: env.HostInUse,
		Resolve: func(role, prog string) (string, error) { return resolveProgram(role, prog, bin) }})
}

// subnets names the ranges a topology's addresses come from.
func subnets(t *topology.Topology) string {
	var s []string
	for _, p := range []netip.Prefix{t.Subnet, t.Subnet6} {
		if p.IsValid() {
			s = append(s, p.String())
		}
	}
	return strings.Join(s, " and ")
}
