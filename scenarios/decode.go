package scenarios

import (
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/c1m-testbed/c1m-testbed/internal/protocols"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// Parse decodes, defaults and validates a scenario from data; name is used
// as the file name in messages and as Source. Every error it returns is an
// *Error wrapping ErrInvalid.
func Parse(name string, data []byte) (*Scenario, error) {
	return ParseWith(name, data, nil)
}

// ParseWith is Parse with overrides (--set): each is written into the
// file's keys before they are decoded, as if the file had it, so the
// decoder and the validation check it with their usual messages and
// ranges. A key missing from the file is added (with the tables on its
// way), a sysctl replaces the file's in either spelling, and phase.N
// names the N-th [[phase]] (from 1). An error about an override's key or
// value names the --set (Error.Set), not a line. The scenario records
// the overrides in Overrides. Every error is an *Error wrapping
// ErrInvalid.
func ParseWith(name string, data []byte, sets []Override) (*Scenario, error) {
	if len(data) > MaxFileSize {
		return nil, tooBig(name)
	}
	if err := checkNesting(name, string(data)); err != nil {
		return nil, err
	}
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Line: pe.Position.Line, Col: pe.Position.Col,
				Msg: "TOML syntax: " + pe.Message, Fix: "see docs/scenario-format.md for the syntax of each key"}
		}
		return nil, &Error{File: name, Msg: "TOML syntax: " + err.Error(), Fix: "see docs/scenario-format.md"}
	}
	if len(m) == 0 {
		return nil, &Error{File: name, Msg: "the scenario is empty", Fix: "start from a built-in scenario: c1m-testbed list"}
	}
	marks, err := applyOverrides(name, m, sets)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: name, pos: findPositions(string(data))}
	d.pos.set = marks
	s := d.scenario(table{m: m})
	if d.err == nil {
		d.validate(s)
	}
	if d.err != nil {
		return nil, d.err
	}
	s.Source = name
	if s.Name == "" {
		s.Name = strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "builtin:"), ".toml")
	}
	if len(sets) > 0 {
		s.Overrides = slices.Clone(sets)
	}
	s.pos = d.pos
	return s, nil
}

func (d *decoder) scenario(root table) *Scenario {
	d.known(root, keysOf("")...)
	s := &Scenario{
		Name:        d.str(root, "name", ""),
		Description: d.str(root, "description", ""),
		Scaling:     d.enum(root, "scaling", DefaultScaling, ScalingLimits, ScalingWhole),
	}
	if t, _ := d.sub(root, "topology"); true {
		s.Topology = d.topology(t)
	}
	if t, _ := d.sub(root, "server"); true {
		s.Server = d.server(t)
		if s.Server.Workers == 0 && UsesPlaceholder(s.Server.Command, WorkerPortPlaceholder) {
			s.Server.Workers = len(s.Topology.ServerPorts) // the default: one copy per port
		}
	}
	if t, _ := d.sub(root, "client"); true {
		s.Client = d.client(t)
	}
	if t, ok := d.sub(root, "sysctl"); ok {
		d.known(t, "server", "client")
		srv, _ := d.sub(t, "server")
		cli, _ := d.sub(t, "client")
		s.Sysctl.Server = d.sysctls(srv, false)
		s.Sysctl.Client = d.sysctls(cli, false)
	}
	if t, ok := d.sub(root, "host"); ok {
		s.Host = d.sysctls(t, true)
	}
	s.Phases = d.phases(root, s.Server.CloseMode)
	for i := range s.Phases {
		if p := &s.Phases[i]; p.Kind == PhaseConnect && p.Target == 0 {
			p.Target = s.Client.Connections // the default: every connection
		}
	}
	if t, _ := d.sub(root, "expect"); true {
		s.Expect = d.expect(t, int64(s.Client.Connections))
	}
	return s
}

func (d *decoder) topology(t table) Topology {
	d.known(t, keysOf("topology")...)
	tp := Topology{
		ClientNamespaces: int(d.integer(t, "client-namespaces", DefaultClientNamespaces, 1, MaxClientNamespaces)),
		ClientAddresses:  int(d.count(t, "client-addresses", DefaultClientAddresses, 1, 1<<17)),
		ServerAddresses:  int(d.count(t, "server-addresses", DefaultServerAddresses, 1, 1<<17)),
		ServerPorts:      d.ports(t, "server-ports"),
		Subnet:           d.subnet(t, "subnet"),
		Family:           d.enum(t, "family", FamilyIPv4, FamilyIPv4, FamilyIPv6, FamilyDual),
		Subnet6:          d.subnet6(t, "subnet6"),
		ClientSources:    d.enum(t, "client-sources", SourcesAddresses, SourcesAddresses, SourcesAnyIP),
		NeighbourTable:   int(d.count(t, "neighbour-table", 0, 0, 1<<30)),
		Conntrack:        d.boolean(t, "conntrack"),
		Routing:          d.enum(t, "routing", DefaultRouting, "gateway", "direct"),
	}
	d.link(t, &tp)
	return tp
}

// ports reads server-ports: a count N (8000..8000+N-1) or a list of ports.
func (d *decoder) ports(t table, k string) []int {
	v, ok := t.m[k]
	if !ok {
		return []int{DefaultFirstPort}
	}
	fix := `write a count (server-ports = 20 means 8000..8019) or a list (server-ports = [80, 8080])`
	switch v := v.(type) {
	case int64, string:
		n := d.count(t, k, 1, 1, 65535-DefaultFirstPort+1)
		if n == 0 && d.err == nil {
			d.failVal(t.child(k), fix, "%s: at least one port is needed", t.qualified(k))
		}
		ports := make([]int, n)
		for i := range ports {
			ports[i] = DefaultFirstPort + i
		}
		return ports
	case []any:
		if len(v) == 0 {
			d.failVal(t.child(k), fix, "%s: the list is empty", t.qualified(k))
			return nil
		}
		seen := map[int64]bool{}
		ports := make([]int, 0, len(v))
		for i, e := range v {
			at := fmt.Sprintf("%s[%d]", t.child(k), i)
			p, ok := e.(int64)
			switch {
			case !ok:
				d.failVal(at, fix, "%s: item %d: want a port number, got %s", t.qualified(k), i+1, typeName(e))
			case p < 1 || p > 65535:
				d.failVal(at, "ports are 1 to 65535", "%s: port %d is out of range", t.qualified(k), p)
			case seen[p]:
				d.failVal(at, "list each port once", "%s: port %d is listed twice", t.qualified(k), p)
			}
			seen[p] = true
			ports = append(ports, int(p))
		}
		return ports
	}
	d.wrongType(t, k, "a count or a list of ports", fix)
	return nil
}

// sysctls reads a settings table; dotted keys may be quoted ("fs.file-max")
// or nested (fs.file-max), and values strings, integers or integer lists.
func (d *decoder) sysctls(t table, host bool) map[string]string {
	out := map[string]string{}
	d.flatten(t, t.path, "", t.m, out, host)
	if len(out) == 0 {
		return nil
	}
	return out
}

func (d *decoder) flatten(t table, base, prefix string, m map[string]any, out map[string]string, host bool) {
	if strings.Count(prefix, ".") >= MaxKeyDepth {
		d.failKey(base, `write the sysctl's dotted name in quotes, e.g. "net.core.somaxconn" = 4096`, "%s: %q nests deeper than %d parts: not a sysctl name", t.name, prefix, MaxKeyDepth)
		return
	}
	for _, k := range sortedByPos(d, base, m) {
		if d.err != nil {
			return
		}
		v := m[k]
		name := join(prefix, k)
		at := join(base, k)
		if sub, ok := v.(map[string]any); ok {
			d.flatten(t, at, name, sub, out, host)
			continue
		}
		if _, dup := out[name]; dup {
			d.failKey(at, fmt.Sprintf("write %s once, in one spelling (quoted \"%s\" or as a nested key, not both)", name, name),
				"%s: %s is set twice", t.name, name)
			return
		}
		val, ok := sysctlValue(v)
		if !ok {
			d.failVal(at, `write a string, an integer or a list of integers, e.g. "net.ipv4.ip_local_port_range" = "1024 65535"`,
				"%s.%s: want a sysctl value, got %s", t.name, name, typeName(v))
			return
		}
		out[name] = d.checkSysctl(t, at, name, val, host)
		if d.err != nil {
			return
		}
	}
}

// sortedByPos returns m's keys in file order (then by name), in
// O(n log n): a hostile table may have many keys.
func sortedByPos(d *decoder, base string, m map[string]any) []string {
	type kp struct {
		k string
		p pos
	}
	keys := make([]kp, 0, len(m))
	for k := range m {
		keys = append(keys, kp{k, d.pos.keyAt(join(base, k))})
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i].p, keys[j].p
		if a != b {
			return a.line < b.line || a.line == b.line && a.col < b.col
		}
		return keys[i].k < keys[j].k
	})
	out := make([]string, len(keys))
	for i, x := range keys {
		out[i] = x.k
	}
	return out
}

func sysctlValue(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return fmt.Sprint(v), true
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			n, ok := e.(int64)
			if !ok {
				return "", false
			}
			parts[i] = fmt.Sprint(n)
		}
		return strings.Join(parts, " "), len(v) > 0
	}
	return "", false
}

func (d *decoder) server(t table) Server {
	d.known(t, keysOf("server")...)
	return Server{
		Workers:    int(d.integer(t, "workers", 0, 0, MaxWorkers)),
		Backlog:    int(d.count(t, "backlog", DefaultBacklog, 1, MaxBacklog)),
		OnData:     d.enum(t, "on-data", DefaultOnData, "discard", "echo", "reply-once", "ignore"),
		Reply:      d.str(t, "reply", DefaultReply),
		CloseMode:  d.enum(t, "close-mode", DefaultCloseMode, "fin", "rst"),
		ConnBuffer: d.sizeIn(t, "conn-buffer", DefaultConnBuffer, MaxConnBuffer),
		FDLimit:    d.fdLimit(t),
		AcceptRate: int(d.count(t, "accept-rate", 0, 0, 1<<30)),
		Command:    d.command(t),
		Env:        d.env(t),
		Protocol:   d.enum(t, "protocol", DefaultProtocol, protocols.Names...),
		Body:       d.str(t, "body", DefaultBody),
		RoleLimits: d.limits(t),
		Listen:     d.enum(t, "listen", ListenAddresses, ListenAddresses, ListenAny, ListenDual),
		Engine:     d.enum(t, "engine", DefaultEngine, "auto", "epoll", "io_uring"),
	}
}

func (d *decoder) fdLimit(t table) int {
	n := d.count(t, "fd-limit", 0, 0, math.MaxInt32)
	if n != 0 && n < MinFDLimit && d.err == nil {
		d.failVal(t.child("fd-limit"), fmt.Sprintf("use 0 (as high as allowed) or at least %d", MinFDLimit), "%s: %d leaves no room for the worker's own files", t.qualified("fd-limit"), n)
	}
	return int(n)
}

// command reads an external program's argv: a non-empty list of strings
// whose first element (the program) is not empty.
func (d *decoder) command(t table) []string {
	argv := d.strList(t, "command")
	if _, present := t.m["command"]; present && d.err == nil && (len(argv) == 0 || argv[0] == "") {
		d.failVal(t.child("command"), `write the program and its arguments, e.g. command = ["/usr/local/bin/myserver", "--port", "{port}"] (docs/byo.md)`,
			"%s: the program to run is missing", t.qualified("command"))
	}
	return argv
}

// env reads an external program's environment: a table of NAME = "value".
func (d *decoder) env(t table) map[string]string {
	e, ok := d.sub(t, "env")
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, k := range sortedByPos(d, e.path, e.m) {
		switch v := e.m[k].(type) {
		case string:
			out[k] = v
		case int64:
			out[k] = fmt.Sprint(v)
		default:
			d.failVal(e.child(k), fmt.Sprintf(`write %s = "value"`, k), "%s: want a string, got %s", e.qualified(k), typeName(v))
		}
		if k == "" || strings.ContainsAny(k, "=\x00") {
			d.failKey(e.child(k), "name environment variables with letters, digits and _", "%s: %q is not a variable name", e.name, k)
		}
	}
	return out
}

func (d *decoder) client(t table) Client {
	d.known(t, keysOf("client")...)
	c := Client{
		Connections:    int(d.count(t, "connections", 0, 0, 1<<40)),
		Workers:        int(d.integer(t, "workers", 0, 0, MaxWorkers)),
		ConnectRate:    int(d.count(t, "connect-rate", 0, 0, 1<<40)),
		InFlight:       int(d.count(t, "in-flight", 0, 0, 1<<30)),
		Window:         d.enum(t, "window", DefaultWindow, "adaptive", "fixed"),
		Message:        d.str(t, "message", ""),
		SourceStrategy: d.enum(t, "source-strategy", DefaultSourceStrategy, "round-robin", "fill"),
		PortSelection:  d.enum(t, "port-selection", DefaultPortSelection, "auto", "kernel", "explicit"),
		Retries:        int(d.integer(t, "retries", 0, 0, MaxRetries)),
		FDLimit:        d.fdLimit(t),
		Command:        d.command(t),
		Env:            d.env(t),
		Protocol:       d.enum(t, "protocol", DefaultProtocol, protocols.Names...),
		RoleLimits:     d.limits(t),
	}
	if d.err == nil {
		c.Proto = d.proto(t, c.Protocol)
	}
	if d.err == nil {
		c.Reconnect = d.reconnect(t)
	}
	if d.err == nil {
		if _, present := t.m["connections"]; !present {
			d.failKey(t.path, "add connections = N under [client], e.g. connections = \"40k\"", "client.connections is missing")
		} else if c.Connections == 0 {
			d.failVal(t.child("connections"), "ask for at least 1 connection", "client.connections is 0")
		}
	}
	return c
}

func (d *decoder) expect(t table, conns int64) Expect {
	d.known(t, keysOf("expect")...)
	e := Expect{
		MinEstablished:           int(d.share(t, "min-established", conns, math.Ceil)),
		MaxEstablished:           int(d.share(t, "max-established", conns, math.Floor)),
		ErrorsPresent:            d.errnos(t, "errors-present", false),
		ErrorsAbsent:             d.errnos(t, "errors-absent", true),
		CloseWithin:              d.duration(t, "close-within", 0),
		NoNodeKilled:             d.boolean(t, "no-node-killed"),
		KernelLog:                d.kernelLog(t, "kernel-log"),
		MinUserBytesPerConn:      d.sizeIn(t, "min-user-bytes-per-conn", 0, 1<<40),
		MaxUserBytesPerConn:      d.sizeIn(t, "max-user-bytes-per-conn", 0, 1<<40),
		ConnectP99Max:            d.duration(t, "connect-p99-max", 0),
		ConnectP99Min:            d.duration(t, "connect-p99-min", 0),
		RTTP99Max:                d.duration(t, "rtt-p99-max", 0),
		RTTP50Min:                d.duration(t, "rtt-p50-min", 0),
		HandshakeP99Max:          d.duration(t, "handshake-p99-max", 0),
		MessagesPerSecondMin:     float64(d.count(t, "messages-per-second-min", 0, 0, 1<<40)),
		MinServerSyscallsPerConn: d.count(t, "min-server-syscalls-per-conn", 0, 0, 1<<20),
		MaxServerSyscallsPerConn: d.count(t, "max-server-syscalls-per-conn", 0, 0, 1<<20),
	}
	if e.MaxServerSyscallsPerConn > 0 && e.MinServerSyscallsPerConn > e.MaxServerSyscallsPerConn {
		d.failVal(t.child("min-server-syscalls-per-conn"), "make min-server-syscalls-per-conn at most max-server-syscalls-per-conn",
			"expect: min-server-syscalls-per-conn %d is more than max-server-syscalls-per-conn %d", e.MinServerSyscallsPerConn, e.MaxServerSyscallsPerConn)
	}
	if e.MaxUserBytesPerConn > 0 && e.MinUserBytesPerConn > e.MaxUserBytesPerConn {
		d.failVal(t.child("min-user-bytes-per-conn"), "make min-user-bytes-per-conn at most max-user-bytes-per-conn",
			"expect: min-user-bytes-per-conn %s is more than max-user-bytes-per-conn %s", units.Int(e.MinUserBytesPerConn), units.Int(e.MaxUserBytesPerConn))
	}
	e.MinOOMKills = d.count(t, "min-oom-kills", 0, 0, 1<<30)
	if _, ok := t.m["max-oom-kills"]; ok {
		n := d.count(t, "max-oom-kills", 0, 0, 1<<30)
		e.MaxOOMKills = &n
		if d.err == nil && e.MinOOMKills > n {
			d.failVal(t.child("min-oom-kills"), "make min-oom-kills at most max-oom-kills", "expect: min-oom-kills %d is more than max-oom-kills %d", e.MinOOMKills, n)
		}
	}
	if _, ok := t.m["max-throttled"]; ok {
		p := d.percent(t, "max-throttled")
		e.MaxThrottled = &p
	}
	e.Counters = d.counters(t, "counters")
	e.CountersMax = d.counters(t, "counters-max")
	return e
}

// share reads a count that may also be written as a percentage of the
// connections asked for ("100%": every connection), so that it follows
// client.connections when --set or a sweep changes it; round says which
// way a fraction of a connection goes (up for a floor, down for a cap).
func (d *decoder) share(t table, k string, conns int64, round func(float64) float64) int64 {
	v, ok := t.m[k].(string)
	if !ok || !strings.HasSuffix(strings.TrimSpace(v), "%") {
		return d.count(t, k, 0, 0, 1<<40)
	}
	pct, err := ParsePercent(v)
	if err == nil && (pct < 0 || pct > 100) {
		err = fmt.Errorf("%s is not 0%% to 100%%", strings.TrimSpace(v))
	}
	if err != nil {
		d.failVal(t.child(k), fmt.Sprintf(`write a count (%s = "40k") or a share of client.connections from 0%% to 100%% (%s = "100%%")`, k, k), "%s: %v", t.qualified(k), err)
		return 0
	}
	return int64(round(float64(conns) * pct / 100))
}

// counters reads a table of nstat counter names to counts.
func (d *decoder) counters(t table, k string) map[string]int64 {
	c, ok := d.sub(t, k)
	if !ok {
		return nil
	}
	m := map[string]int64{}
	for _, n := range sortedByPos(d, c.path, c.m) {
		if !validCounter(n) {
			d.failKey(c.child(n), "name an nstat counter, e.g. TCPTimeWaitOverflow", "expect.%s: %q is not a counter name", k, n)
		}
		m[n] = d.count(c, n, 0, 0, 1<<62)
	}
	return m
}

func validCounter(k string) bool {
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return k != ""
}

func (d *decoder) errnos(t table, k string, star bool) []string {
	list := d.strList(t, k)
	for i, n := range list {
		if d.err != nil {
			break // the first problem is the one reported
		}
		if n == "*" && star {
			if len(list) > 1 {
				d.failVal(fmt.Sprintf("%s[%d]", t.child(k), i), `write either ["*"] or a list of names, not both`, "%s: \"*\" means every error and cannot be mixed with names", t.qualified(k))
			}
			continue
		}
		if _, ok := Errnos[n]; !ok {
			fix := "known names: " + strings.Join(errnoNames(), ", ")
			if near := suggest(strings.ToUpper(n), errnoNames()); strings.HasPrefix(near, "did you mean") {
				fix = near
			}
			d.failVal(fmt.Sprintf("%s[%d]", t.child(k), i), fix, "%s: unknown errno name %q", t.qualified(k), n)
		}
	}
	return list
}
