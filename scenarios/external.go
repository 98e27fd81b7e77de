package scenarios

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// Placeholders lists every placeholder an external command may use, with
// what it becomes (docs/byo.md). Values that are lists are comma-separated.
// This is the one list: the decoder refuses any other {name} in a command,
// and the testbed expands these with ExpandArgs.
var Placeholders = map[string]string{
	"addrs":       "the server addresses, comma-separated, as plain literals (198.18.0.1, 2001:2::1)",
	"addr":        "the first server address",
	"hosts":       "the server addresses in host form for host:port, comma-separated: IPv6 in brackets ([2001:2::1]), IPv4 as is",
	"host":        "the first server address in host form ([2001:2::1], 198.18.0.1)",
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
	"worker-port": "this copy's own port: the server ports' element worker mod their count (one copy per port, for a server without SO_REUSEPORT)",
	"dir":         "the absolute directory of the scenario file, for config files beside it (not in a built-in scenario)",
	"tmp":         "a private directory for this run (pid files, sockets), removed with the run",
}

// WorkerPortPlaceholder gives each copy of a server its own port; a
// command using it runs one copy per server port by default.
const WorkerPortPlaceholder = "worker-port"

// DirPlaceholder is the scenario file's directory.
const DirPlaceholder = "dir"

// UsesPlaceholder reports whether argv uses {name}.
func UsesPlaceholder(argv []string, name string) bool {
	for _, a := range argv {
		if strings.Contains(a, "{"+name+"}") {
			return true
		}
	}
	return false
}

// ProgramPlaceholder is the only placeholder a command's program (its
// first element) may use.
const ProgramPlaceholder = "bin"

// placeholderRE matches {name} with a lower-case name (letters, '_' and
// '-'); other braces are left as written.
var placeholderRE = regexp.MustCompile(`\{([a-z][a-z_-]*)\}`)

// ErrPlaceholder is wrapped by ExpandArgs' error for an unknown placeholder.
var ErrPlaceholder = fmt.Errorf("%w: unknown placeholder", ErrInvalid)

// PlaceholderList is the placeholders as a command writes them, sorted:
// "{addr} {addrs} {bin} ...".
func PlaceholderList() string {
	names := make([]string, 0, len(Placeholders))
	for n := range Placeholders {
		names = append(names, "{"+n+"}")
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

// unknownPlaceholder returns the first {name} of arg that is not a
// placeholder, or "".
func unknownPlaceholder(arg string) string {
	for _, m := range placeholderRE.FindAllStringSubmatch(arg, -1) {
		if _, ok := Placeholders[m[1]]; !ok {
			return m[0]
		}
	}
	return ""
}

// ExpandArgs replaces the placeholders of argv with vars (keyed by
// placeholder name without braces). A placeholder that is not in
// Placeholders, or has no value in vars, is an error wrapping
// ErrPlaceholder that names it.
func ExpandArgs(argv []string, vars map[string]string) ([]string, error) {
	out := make([]string, len(argv))
	var bad []string
	for i, a := range argv {
		out[i] = placeholderRE.ReplaceAllStringFunc(a, func(m string) string {
			name := m[1 : len(m)-1]
			v, ok := vars[name]
			if _, known := Placeholders[name]; !ok || !known {
				bad = append(bad, m)
				return m
			}
			return v
		})
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w %s in command %q: use %s", ErrPlaceholder, bad[0], strings.Join(argv, " "), PlaceholderList())
	}
	return out, nil
}

// checkCommand refuses unknown placeholders in an external command, and
// any placeholder but {bin} in its program.
func (d *decoder) checkCommand(role string, argv []string) {
	for i, a := range argv {
		at := fmt.Sprintf("%s.command[%d]", role, i)
		if bad := unknownPlaceholder(a); bad != "" {
			d.failVal(at, "use "+PlaceholderList()+" (docs/byo.md)", "%s.command: unknown placeholder %s", role, bad)
			return
		}
		if strings.Contains(a, "{"+DirPlaceholder+"}") && strings.HasPrefix(d.file, "builtin:") {
			d.failVal(at, "copy the scenario next to its config files and run that file", "%s.command: a built-in scenario has no directory for {%s}", role, DirPlaceholder)
			return
		}
		if i == 0 && placeholderRE.MatchString(strings.ReplaceAll(a, "{"+ProgramPlaceholder+"}", "")) {
			d.failVal(at, "name the program by its path or name; pass addresses and ports as arguments", "%s.command: the program %q may only use the {%s} placeholder", role, a, ProgramPlaceholder)
			return
		}
	}
}

// checkExternal refuses what a scenario cannot do with external programs:
// phases that need to command a program the testbed does not control.
func (d *decoder) checkExternal(s *Scenario) {
	extSrv, extCli := len(s.Server.Command) > 0, len(s.Client.Command) > 0
	d.checkCommand("server", s.Server.Command)
	d.checkCommand("client", s.Client.Command)
	if ports := len(s.Topology.ServerPorts); extSrv && UsesPlaceholder(s.Server.Command, WorkerPortPlaceholder) && ports > MaxWorkers && s.Server.Workers == ports {
		// The default of one copy per port ran past the cap every role has.
		d.failVal("topology.server-ports", fmt.Sprintf("list at most %s server ports, or pass {ports} instead of {%s} so that each copy listens on every port", units.Int(MaxWorkers), WorkerPortPlaceholder),
			"{%s} runs one server copy per port: %s ports would start %s copies, more than the %s a role may run", WorkerPortPlaceholder, units.Int(int64(ports)), units.Int(int64(ports)), units.Int(MaxWorkers))
	}
	if ports := len(s.Topology.ServerPorts); extSrv && UsesPlaceholder(s.Server.Command, WorkerPortPlaceholder) && s.Server.Workers > ports {
		d.failVal("server.workers", fmt.Sprintf("set server.workers to at most %d, or list %d server ports", ports, s.Server.Workers),
			"server.workers = %d, but {%s} gives each copy its own port and there are %d: copies would share a port", s.Server.Workers, WorkerPortPlaceholder, ports)
	}
	if ports := len(s.Topology.ServerPorts); extSrv && UsesPlaceholder(s.Server.Command, WorkerPortPlaceholder) && s.Server.Workers > 0 && s.Server.Workers < ports && d.err == nil {
		// The run waits for every server port to listen: the ports no
		// copy was given would never open, and it would time out.
		d.failVal("server.workers", fmt.Sprintf("remove server.workers (one copy per port: %d), or list %d server ports", ports, s.Server.Workers),
			"server.workers = %d, but {%s} gives each copy one port of %d: %d ports would never listen", s.Server.Workers, WorkerPortPlaceholder, ports, ports-s.Server.Workers)
	}
	if !extSrv && !extCli {
		return
	}
	for i, ph := range s.Phases {
		at := fmt.Sprintf("phase[%d]", i)
		name := fmt.Sprintf("phase %d (%s)", i+1, ph.Kind)
		switch ph.Kind {
		case PhaseSend:
			if ph.From == "server" && extSrv || ph.From == "client" && extCli {
				d.failKey(at, fmt.Sprintf("remove the phase or use the built-in %s", ph.From),
					"%s: the %s is an external program and cannot be told to send", name, ph.From)
			}
		case PhaseClose:
			if ph.Side == "server" && extSrv {
				d.failKey(at, `close from the client side (side = "client")`,
					"%s: the server is an external program and cannot be told to close its connections", name)
			}
			if ph.Side == "client" && extCli && (ph.Fraction != 1 || ph.Mode == "rst" || ph.Rate > 0) {
				d.failKey(at, `remove fraction, rate and mode = "rst"`,
					"%s: external clients are closed by SIGTERM, all at once, as the program closes them", name)
			}
		case PhaseConnect:
			if extCli && ph.Rate > 0 {
				d.failVal(at+".rate", "remove rate (pass a rate to your program in client.command instead)",
					"%s: external clients connect at their own pace", name)
			}
		}
	}
}
