package scenarios

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// overrideBase has a nested and a quoted sysctl, two phases and an
// [expect], for the overrides to change.
const overrideBase = `name = "base"

[topology]
client-addresses = 2

[server]
on-data = "echo"

[client]
connections = "1k"

[sysctl.server]
net.ipv4.tcp_rmem = "4096 131072 6291456"

[sysctl.client]
"net.ipv4.tcp_wmem" = "4096 16384 4194304"

[[phase]]
kind = "connect"

[[phase]]
kind = "traffic"
duration = "10s"
interval = "1s"

[expect]
min-established = 1000
`

// parseOverrideTests are --set arguments and what ParseOverride makes of
// them; FuzzOverride starts from them too.
var parseOverrideTests = []struct {
	in   string
	want Override
	err  string // a part of the error; "" when it parses
}{
	{in: "client.connections=20k", want: Override{"client.connections", "20k"}},
	{in: " client.connections = 20k ", want: Override{"client.connections", "20k"}},
	{in: `sysctl.server."net.ipv4.tcp_rmem"=4096 87380 6291456`, want: Override{`sysctl.server."net.ipv4.tcp_rmem"`, "4096 87380 6291456"}},
	{in: `server.env."A=B"=c`, want: Override{`server.env."A=B"`, "c"}},
	{in: "client.message=", want: Override{"client.message", ""}},
	{in: "client.message=a=b", want: Override{"client.message", "a=b"}},
	{in: "phase.2.interval=2s", want: Override{"phase.2.interval", "2s"}},
	{in: "client.connections", err: "no '=' between the key and its value"},
	{in: "=5", err: "the key is empty"},
	{in: "phase[2].interval=2s", err: "a phase is named phase.N, not phase[N]"},
	{in: "topology.server-ports[0]=80", err: "a key path has no brackets"},
	{in: "[client].connections=80", err: "a key path has no brackets"},
	{in: "client..connections=1", err: "the key has an empty segment"},
	{in: `client.""=1`, err: "the key has an empty segment"},
	{in: "client.=1", err: "the key ends with a dot"},
	{in: "client connections=1", err: `"c" after client: segments are joined by dots`},
	{in: "client.conn/ections=1", err: `"/" after client.conn: segments are joined by dots`},
	{in: "client.$x=1", err: `"$" cannot be part of a bare key`},
	{in: ".client=1", err: "the key has an empty segment"},
	{in: `client."\q"=1`, err: `"\q" is not a quoted name`},
	{in: "a.b.c.d.e.f.g.h.i=1", err: "more than 8 segments"},
	{in: strings.Repeat("a", MaxOverrideKey+1) + "=1", err: "the key is longer than 256 bytes"},
	{in: "client.message=" + strings.Repeat("x", MaxOverrideValue+1), err: "the value is longer than 4096 bytes"},
	{in: strings.Repeat("x", 5000) + "=1", err: "longer than"},
	{in: "client.message=a\nb", err: "one line without control characters"},
}

func TestParseOverride(t *testing.T) {
	for _, tt := range parseOverrideTests {
		got, err := ParseOverride(tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParseOverride(%q): %v", tt.in, err)
		case tt.err == "" && got != tt.want:
			t.Errorf("ParseOverride(%q) = %+v; want %+v", tt.in, got, tt.want)
		case tt.err != "":
			checkInvalid(t, tt.in, err, tt.err)
		}
	}
	if s := (Override{"client.connections", "20k"}).String(); s != "client.connections=20k" {
		t.Errorf("String() = %q", s)
	}
}

// parseSweepTests are swept --set arguments and what ParseSweep makes of
// them; FuzzOverride starts from them too.
var parseSweepTests = []struct {
	in     string
	key    string
	values []string
	err    string
}{
	{in: "client.connections=10k,20k,40k", key: "client.connections", values: []string{"10k", "20k", "40k"}},
	{in: "topology.server-ports=[80,8080],[81]", key: "topology.server-ports", values: []string{"[80,8080]", "[81]"}},
	{in: `client.message="a,b",'c,d',e`, key: "client.message", values: []string{`"a,b"`, `'c,d'`, "e"}},
	{in: `client.message="say \"x,y\"",z`, key: "client.message", values: []string{`"say \"x,y\""`, "z"}},
	{in: "expect.counters-max={A=1,B=2},{A=3}", key: "expect.counters-max", values: []string{"{A=1,B=2}", "{A=3}"}},
	{in: " topology.client-addresses = 4, 8 ", key: "topology.client-addresses", values: []string{"4", "8"}},
	{in: `sysctl.client."net.ipv4.tcp_rmem"=4096 87380 6291456`, key: `sysctl.client."net.ipv4.tcp_rmem"`, values: []string{"4096 87380 6291456"}},
	{in: "client.connections=10k,,20k", err: "value 2 is empty"},
	{in: "client.connections=10k,", err: "value 2 is empty"},
	{in: "client.connections=", err: "value 1 is empty"},
	{in: "client.connections=10k,20k,10k", err: "10k is given twice"},
	{in: "client.connections=" + strings.Repeat("1,", MaxSweepValues) + "1", err: "more than 64 values"},
	{in: "topology.server-ports=[80,8080", err: "a '[' or '{' is not closed"},
	{in: "topology.server-ports=80]", err: `"]" closes nothing`},
	{in: `client.message="a,b`, err: "a quote is not closed"},
	{in: "client.connections", err: "no '=' between the key and its values"},
	{in: "=1,2", err: "the key is empty"},
	{in: "phase[1].rate=1,2", err: "a phase is named phase.N"},
	{in: "client.message=" + strings.Repeat("x", MaxOverrideValue+1) + ",y", err: "the value is longer than 4096 bytes"},
}

func TestParseSweep(t *testing.T) {
	for _, tt := range parseSweepTests {
		key, values, err := ParseSweep(tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParseSweep(%q): %v", tt.in, err)
		case tt.err == "" && (key != tt.key || !reflect.DeepEqual(values, tt.values)):
			t.Errorf("ParseSweep(%q) = %q, %q; want %q, %q", tt.in, key, values, tt.key, tt.values)
		case tt.err != "":
			checkInvalid(t, tt.in, err, tt.err)
		}
	}
}

// checkInvalid checks that err is an *Error wrapping ErrInvalid that says want.
func checkInvalid(t *testing.T, in string, err error, want string) *Error {
	t.Helper()
	var e *Error
	switch {
	case err == nil:
		t.Errorf("%q: no error; want %q", in, want)
	case !errors.As(err, &e) || !errors.Is(err, ErrInvalid):
		t.Errorf("%q: %v is not an *Error wrapping ErrInvalid", in, err)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%q: %v; want it to say %q", in, err, want)
	}
	return e
}

func sets(t *testing.T, args ...string) []Override {
	t.Helper()
	var out []Override
	for _, a := range args {
		o, err := ParseOverride(a)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// overrideTests are overrides ParseWith accepts on overrideBase, with
// what they change; FuzzOverride starts from them too.
var overrideTests = []struct {
	name  string
	sets  []string
	check func(*Scenario) any
	want  any
}{
	{"count string", []string{"client.connections=20k"}, func(s *Scenario) any { return s.Client.Connections }, 20000},
	{"integer", []string{"client.connections=20000"}, func(s *Scenario) any { return s.Client.Connections }, 20000},
	{"blanks around dots", []string{"client . connections = 3k"}, func(s *Scenario) any { return s.Client.Connections }, 3000},
	{"quoted segment", []string{`client."connections"=3k`}, func(s *Scenario) any { return s.Client.Connections }, 3000},
	{"bool", []string{"topology.conntrack=true"}, func(s *Scenario) any { return s.Topology.Conntrack }, true},
	{"duration", []string{"phase.2.interval=2s"}, func(s *Scenario) any { return s.Phases[1].Interval }, 2 * time.Second},
	{"float", []string{"phase.2.fraction=0.5"}, func(s *Scenario) any { return s.Phases[1].Fraction }, 0.5},
	{"phase name", []string{"phase.1.name=ramp"}, func(s *Scenario) any { return s.Phases[0].Name }, "ramp"},
	{"array", []string{"topology.server-ports=[80, 8080]"}, func(s *Scenario) any { return s.Topology.ServerPorts }, []int{80, 8080}},
	{"quoted string", []string{`client.message="a b\n"`}, func(s *Scenario) any { return s.Client.Message }, "a b\n"},
	{"bare string", []string{`client.message=hello world`}, func(s *Scenario) any { return s.Client.Message }, "hello world"},
	{"quoted sysctl replaces a nested one", []string{`sysctl.server."net.ipv4.tcp_rmem"=4096 87380 6291456`},
		func(s *Scenario) any { return s.Sysctl.Server }, map[string]string{"net.ipv4.tcp_rmem": "4096 87380 6291456"}},
	{"unquoted sysctl replaces a nested one", []string{`sysctl.server.net.ipv4.tcp_rmem=4096 87380 6291456`},
		func(s *Scenario) any { return s.Sysctl.Server }, map[string]string{"net.ipv4.tcp_rmem": "4096 87380 6291456"}},
	{"unquoted sysctl replaces a quoted one", []string{`sysctl.client.net.ipv4.tcp_wmem=[4096, 65536, 4194304]`},
		func(s *Scenario) any { return s.Sysctl.Client }, map[string]string{"net.ipv4.tcp_wmem": "4096 65536 4194304"}},
	{"half-quoted sysctl", []string{`sysctl.client.net."ipv4.tcp_wmem"=4096 8192 4194304`},
		func(s *Scenario) any { return s.Sysctl.Client }, map[string]string{"net.ipv4.tcp_wmem": "4096 8192 4194304"}},
	{"sysctl added beside", []string{`sysctl.client."net.core.somaxconn"=4096`},
		func(s *Scenario) any { return s.Sysctl.Client }, map[string]string{"net.ipv4.tcp_wmem": "4096 16384 4194304", "net.core.somaxconn": "4096"}},
	{"missing table created", []string{`host."fs.nr_open"=1_048_576`}, func(s *Scenario) any { return s.Host }, map[string]string{"fs.nr_open": "1048576"}},
	{"missing nested table created", []string{`expect.counters.ListenOverflows=1`}, func(s *Scenario) any { return s.Expect.Counters }, map[string]int64{"ListenOverflows": 1}},
	{"two keys", []string{"client.connections=2k", "expect.min-established=2k"},
		func(s *Scenario) any { return [2]int{s.Client.Connections, s.Expect.MinEstablished} }, [2]int{2000, 2000}},
	{"recorded", []string{"client.connections=2k", "phase.2.interval=2s"}, func(s *Scenario) any { return s.Overrides },
		[]Override{{"client.connections", "2k"}, {"phase.2.interval", "2s"}}},
}

func TestParseWithOverrides(t *testing.T) {
	for _, tt := range overrideTests {
		s, err := ParseWith("base.toml", []byte(overrideBase), sets(t, tt.sets...))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := tt.check(s); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}

// refusedOverrideTests are overrides ParseWith refuses on overrideBase,
// with what it says; FuzzOverride starts from them too.
var refusedOverrideTests = []struct {
	name   string
	sets   []Override
	want   []string // parts of the message
	inFile bool     // the error is at a line of the file, not at the --set
}{
	{"unknown key", []Override{{"server.bakclog", "10"}}, []string{`--set server.bakclog=10: unknown key "server.bakclog"`, `did you mean "backlog"?`}, false},
	{"unknown table", []Override{{"clinet.connections", "10"}}, []string{`unknown key "clinet"`, `did you mean "client"?`}, false},
	{"unknown phase key", []Override{{"phase.2.durration", "6s"}}, []string{`unknown key "phase 2 durration"`, `did you mean "duration"?`}, false},
	{"unknown sysctl", []Override{{`sysctl.server."net.ipv4.tcp_rmen"`, "1 2 3"}}, []string{"net.ipv4.tcp_rmen is not a setting", `did you mean "net.ipv4.tcp_rmem"?`}, false},
	{"bad count", []Override{{"client.connections", "abc"}}, []string{`base.toml: --set client.connections=abc: client.connections: "abc" is not a count`}, false},
	{"wrong type", []Override{{"topology.conntrack", "yes"}}, []string{`topology.conntrack: want a boolean, got a string ("yes")`}, false},
	{"below range", []Override{{"topology.client-namespaces", "0"}}, []string{"topology.client-namespaces: 0 is below the minimum 1"}, false},
	{"bad duration", []Override{{"phase.2.interval", "soon"}}, []string{"--set phase.2.interval=soon", "phase 2 interval"}, false},
	{"bad array item", []Override{{"topology.server-ports", "[80, 80]"}}, []string{"port 80 is listed twice"}, false},
	{"bad sysctl value", []Override{{"sysctl.server.net.ipv4.tcp_rmem", "1"}}, []string{"--set sysctl.server.net.ipv4.tcp_rmem=1", "net.ipv4.tcp_rmem"}, false},
	{"phase beyond", []Override{{"phase.3.name", "x"}}, []string{"phase.3: the scenario has 2 phases", "use phase.1 to phase.2"}, false},
	{"phase 0", []Override{{"phase.0.name", "x"}}, []string{"phase.0: the scenario has 2 phases"}, false},
	{"phase not a number", []Override{{"phase.two.name", "x"}}, []string{"phase.two: want a phase number"}, false},
	{"phase huge", []Override{{"phase.99999999999999999999.name", "x"}}, []string{"the scenario has 2 phases"}, false},
	{"phase whole", []Override{{"phase.2", "5"}}, []string{"phase.2 is a table, not a value", "--set phase.2.KEY=VALUE"}, false},
	{"phases whole", []Override{{"phase", "5"}}, []string{"phase is the list of phases"}, false},
	{"table", []Override{{"client", "5"}}, []string{"--set client=5: client is a table, not a value", "--set client.KEY=VALUE"}, false},
	{"absent table", []Override{{"expect.counters", "5"}}, []string{"expect.counters is a table, not a value"}, false},
	{"settings table", []Override{{"sysctl.server", "5"}}, []string{"sysctl.server is a table, not a value", `--set sysctl.server."NAME"=VALUE`}, false},
	{"settings group", []Override{{"sysctl.server.net.ipv4", "5"}}, []string{"sysctl.server.net.ipv4 is a group of settings (it holds net.ipv4.tcp_rmem)"}, false},
	{"through a value", []Override{{"client.connections.x", "1"}}, []string{`client.connections holds a string ("1k"), not a table`, "--set client.connections=VALUE"}, false},
	{"through a list", []Override{{"topology.server-ports", "[80]"}, {"topology.server-ports.x", "1"}}, []string{`topology.server-ports holds an array, not a table`}, false},
	{"through a number", []Override{{"topology.client-addresses.x", "1"}}, []string{`topology.client-addresses holds an integer (2), not a table`}, false},
	{"twice", []Override{{"client.connections", "2k"}, {"client.connections", "3k"}}, []string{"--set client.connections is given twice"}, true},
	{"twice, two spellings", []Override{{`sysctl.server."net.ipv4.tcp_rmem"`, "1 2 3"}, {"sysctl.server.net.ipv4.tcp_rmem", "1 2 4"}},
		[]string{`--set sysctl.server.net.ipv4.tcp_rmem is given twice (also as sysctl.server."net.ipv4.tcp_rmem")`}, true},
	{"plan impossible at the --set", []Override{{"phase.1.target", "2k"}}, []string{"--set phase.1.target=2k: phase 1: target 2,000 is more than client.connections 1,000"}, false},
	{"plan impossible in the file", []Override{{"client.connections", "500"}}, []string{"base.toml:27:19: expect: min-established 1,000 is more than client.connections 500"}, true},
	{"value too deep", []Override{{"client.message", strings.Repeat("[", 20) + strings.Repeat("]", 20)}}, []string{"the value nests deeper than 16 levels"}, false},
	{"bad key", []Override{{"client..connections", "1"}}, []string{"--set client..connections=1: the key has an empty segment"}, false},
	{"too many", make([]Override, MaxOverrides+1), []string{"65 overrides: more than 64"}, true},
}

func TestParseWithRefused(t *testing.T) {
	for _, tt := range refusedOverrideTests {
		_, err := ParseWith("base.toml", []byte(overrideBase), tt.sets)
		for _, w := range tt.want {
			if e := checkInvalid(t, tt.name, err, w); e != nil && !tt.inFile && (e.Set == "" || e.Line != 0) {
				t.Errorf("%s: %v: want the --set named and no line (Set %q, line %d)", tt.name, err, e.Set, e.Line)
			}
		}
	}
}

// TestOverrideEqualsEdit checks that an override decodes as the same
// value written in the file does, and is refused the same way.
func TestOverrideEqualsEdit(t *testing.T) {
	data, err := builtinFS.ReadFile("smoke.toml")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(v string) []byte {
		return []byte(strings.Replace(string(data), `connections = "40k"`, `connections = "`+v+`"`, 1))
	}
	for _, v := range []string{"80k", "20k"} {
		got, gotErr := ParseWith("builtin:smoke", data, sets(t, "client.connections="+v))
		want, wantErr := Parse("builtin:smoke", edit(v))
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%s: override: %v; edited file: %v", v, gotErr, wantErr)
		}
		if gotErr != nil {
			// Smoke expects 40k established: below that, both are refused
			// at [expect], a line of the file the override did not touch.
			if gotErr.Error() != wantErr.Error() {
				t.Errorf("%s: override: %v; edited file: %v", v, gotErr, wantErr)
			}
			continue
		}
		if len(got.Overrides) != 1 || got.Overrides[0] != (Override{"client.connections", v}) {
			t.Errorf("%s: Overrides = %v", v, got.Overrides)
		}
		got.Overrides, got.pos, want.pos = nil, positions{}, positions{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: override gives\n%+v\nthe edited file\n%+v", v, got, want)
		}
	}
}

func TestParseWithoutOverrides(t *testing.T) {
	a, errA := Parse("base.toml", []byte(overrideBase))
	b, errB := ParseWith("base.toml", []byte(overrideBase), nil)
	if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("Parse and ParseWith(nil) differ: %v, %v", errA, errB)
	}
	data, _ := json.Marshal(a)
	if strings.Contains(string(data), `"overrides"`) {
		t.Errorf("a scenario run as written records overrides: %s", data)
	}
	s, err := LoadWith("smoke", sets(t, "client.connections=80k", "expect.min-established=80k"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(s.Scaled(0.5))
	if !strings.Contains(string(data), `"overrides":[{"key":"client.connections","value":"80k"},{"key":"expect.min-established","value":"80k"}]`) {
		t.Errorf("run.json's scenario body lacks the overrides: %s", data)
	}
	err = s.ErrorAt("client.connections", "fix", "too many")
	if e := checkInvalid(t, "ErrorAt", err, "builtin:smoke: --set client.connections=80k: too many"); e != nil && e.Line != 0 {
		t.Errorf("ErrorAt of an overridden key names line %d", e.Line)
	}
	if err := s.ErrorAt("topology.client-addresses", "fix", "x"); !strings.HasPrefix(err.Error(), "builtin:smoke:10:20: x") {
		t.Errorf("ErrorAt of a key in the file: %v", err)
	}
}
