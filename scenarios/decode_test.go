package scenarios

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
	"github.com/c1m-testbed/c1m-testbed/scenarios/scenariotest"
)

const minimal = scenariotest.Minimal

func mustLoad(t *testing.T, name string) *Scenario {
	t.Helper()
	s, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseDefaults(t *testing.T) {
	s, err := Parse("dir/minimal.toml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	want := Scenario{
		Name: "minimal",
		Topology: Topology{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1,
			ServerPorts: []int{8000}, Subnet: layout.DefaultSubnet, Routing: "gateway",
			Family: "ipv4", Subnet6: layout.DefaultSubnet6, ClientSources: "addresses"},
		Server:  Server{Backlog: 4096, OnData: "discard", Reply: "OK\n", CloseMode: "fin", Protocol: "echo", Body: "ok", Listen: "addresses", Engine: "auto"},
		Client:  Client{Connections: 1000, SourceStrategy: "round-robin", Window: "adaptive", PortSelection: "auto", Protocol: "echo", Reconnect: Reconnect{Policy: "off"}},
		Phases:  []Phase{{Kind: "connect", Name: "connect-1", Target: 1000, Timeout: 120 * time.Second}},
		Scaling: "limits",
		Source:  "dir/minimal.toml",
	}
	s.pos = positions{}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("got  %+v\nwant %+v", *s, want)
	}
}

// TestParseValues decodes one key at a time, the way a person writes it.
func TestParseValues(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		check func(*Scenario) any
		want  any
	}{
		{"count string", "[topology]\nclient-addresses = \"1k\"", func(s *Scenario) any { return s.Topology.ClientAddresses }, 1000},
		{"ports count", "[topology]\nserver-ports = 3", func(s *Scenario) any { return s.Topology.ServerPorts }, []int{8000, 8001, 8002}},
		{"ports list", "[topology]\nserver-ports = [80, 443]", func(s *Scenario) any { return s.Topology.ServerPorts }, []int{80, 443}},
		{"subnet", "[topology]\nsubnet = \"198.19.0.0/16\"", func(s *Scenario) any { return s.Topology.Subnet }, netip.MustParsePrefix("198.19.0.0/16")},
		{"conntrack", "[topology]\nconntrack = true", func(s *Scenario) any { return s.Topology.Conntrack }, true},
		{"routing", "[topology]\nrouting = \"direct\"", func(s *Scenario) any { return s.Topology.Routing }, "direct"},
		{"relative file-max", "[host]\n\"fs.file-max\" = \"+20k\"", func(s *Scenario) any { return s.Host }, map[string]string{"fs.file-max": "+20000"}},
		{"accept rate", "[server]\naccept-rate = \"1k\"", func(s *Scenario) any { return s.Server.AcceptRate }, 1000},
		{"counters max", "[expect]\ncounters-max = { ListenOverflows = 0 }", func(s *Scenario) any { return s.Expect.CountersMax }, map[string]int64{"ListenOverflows": 0}},
		{"kernel log", "[expect]\nkernel-log = [\"TCP: out of memory\"]", func(s *Scenario) any { return s.Expect.KernelLog }, []string{"TCP: out of memory"}},
		{"quoted sysctl", "[sysctl.client]\n\"net.ipv4.ip_local_port_range\" = \"1024 65535\"", func(s *Scenario) any { return s.Sysctl.Client }, map[string]string{"net.ipv4.ip_local_port_range": "1024 65535"}},
		{"dotted sysctl", "[sysctl.server]\nnet.core.somaxconn = 4096", func(s *Scenario) any { return s.Sysctl.Server }, map[string]string{"net.core.somaxconn": "4096"}},
		{"host list", "[host]\n\"net.ipv4.tcp_mem\" = [1000, 2000, 3000]", func(s *Scenario) any { return s.Host }, map[string]string{"net.ipv4.tcp_mem": "1000 2000 3000"}},
		{"host normalised", "[host]\n\"fs.nr_open\" = \"1_048_576\"", func(s *Scenario) any { return s.Host }, map[string]string{"fs.nr_open": "1048576"}},
		{"busy_poll on host", "[host]\n\"net.core.busy_poll\" = 50", func(s *Scenario) any { return s.Host }, map[string]string{"net.core.busy_poll": "50"}},
		{"optmem_max per namespace", "[sysctl.server]\n\"net.core.optmem_max\" = \"20k\"", func(s *Scenario) any { return s.Sysctl.Server }, map[string]string{"net.core.optmem_max": "20000"}},
		{"reply", "[server]\non-data = \"reply-once\"\nreply = \"hi\"", func(s *Scenario) any { return s.Server.Reply }, "hi"},
		{"rate", "[client]\nconnect-rate = \"20k\"", func(s *Scenario) any { return s.Client.ConnectRate }, 20000},
		{"close", "[[phase]]\nkind = \"close\"\nside = \"server\"\nmode = \"rst\"\nfraction = 0.5\nrate = \"10k\"", func(s *Scenario) any { return s.Phases[1] },
			Phase{Kind: "close", Name: "close-2", Side: "server", Mode: "rst", Fraction: 0.5, Rate: 10000, Timeout: DefaultPhaseTimeout}},
		{"send", "[[phase]]\nkind = \"send\"\nbytes = \"64KiB\"", func(s *Scenario) any { return s.Phases[1] },
			Phase{Kind: "send", Name: "send-2", Bytes: 65536, From: "client", Timeout: DefaultPhaseTimeout}},
		{"hold", "[[phase]]\nkind = \"hold\"\nname = \"rest\"\nduration = \"1m30s\"", func(s *Scenario) any { return s.Phases[1] },
			Phase{Kind: "hold", Name: "rest", Duration: 90 * time.Second}},
		{"wait", "[[phase]]\nkind = \"wait\"\nuntil = \"established>=500\"", func(s *Scenario) any { return s.Phases[1].Until.String() }, "established>=500"},
		{"link delay", "[topology]\nlink-delay = \"25ms\"", func(s *Scenario) any { return s.Topology.LinkDelay }, 25 * time.Millisecond},
		{"link jitter", "[topology]\nlink-delay = \"25ms\"\nlink-jitter = \"5ms\"", func(s *Scenario) any { return s.Topology.LinkJitter }, 5 * time.Millisecond},
		{"link jitter equal to delay", "[topology]\nlink-delay = \"5ms\"\nlink-jitter = \"5ms\"", func(s *Scenario) any { return s.Topology.LinkJitter }, 5 * time.Millisecond},
		{"link loss float", "[topology]\nlink-loss = 0.5", func(s *Scenario) any { return s.Topology.LinkLoss }, 0.5},
		{"link loss integer", "[topology]\nlink-loss = 2", func(s *Scenario) any { return s.Topology.LinkLoss }, 2.0},
		{"link loss percent", "[topology]\nlink-loss = \"0.5%\"", func(s *Scenario) any { return s.Topology.LinkLoss }, 0.5},
		{"link loss 100", "[topology]\nlink-loss = \"100 %\"", func(s *Scenario) any { return s.Topology.LinkLoss }, 100.0},
		{"link rate Mbit", "[topology]\nlink-rate = \"100Mbit\"", func(s *Scenario) any { return s.Topology.LinkRate }, uint64(100_000_000)},
		{"link rate Gbit", "[topology]\nlink-rate = \"1Gbit\"", func(s *Scenario) any { return s.Topology.LinkRate }, uint64(1_000_000_000)},
		{"link rate kbit", "[topology]\nlink-rate = \"500kbit\"", func(s *Scenario) any { return s.Topology.LinkRate }, uint64(500_000)},
		{"link rate decimal", "[topology]\nlink-rate = \"2.5Gbit\"", func(s *Scenario) any { return s.Topology.LinkRate }, uint64(2_500_000_000)},
		{"link rate bits", "[topology]\nlink-rate = \"64_000bit\"", func(s *Scenario) any { return s.Topology.LinkRate }, uint64(64_000)},
		{"no shaping by default", "", func(s *Scenario) any { return s.Topology.Shaped() }, false},
		{"traffic defaults", "[server]\non-data = \"echo\"\n[[phase]]\nkind = \"traffic\"\nduration = \"60s\"\ninterval = \"10s\"", func(s *Scenario) any { return s.Phases[1] },
			Phase{Kind: "traffic", Name: "traffic-2", Duration: time.Minute, Interval: 10 * time.Second, Bytes: 64, Fraction: 1, Timeout: 70*time.Second + DefaultPhaseTimeout}},
		{"traffic keys", "[server]\non-data = \"echo\"\n[[phase]]\nkind = \"traffic\"\nname = \"beat\"\nduration = \"30s\"\ninterval = \"500ms\"\nbytes = \"1KiB\"\nfraction = 0.25\ntimeout = \"45s\"", func(s *Scenario) any { return s.Phases[1] },
			Phase{Kind: "traffic", Name: "beat", Duration: 30 * time.Second, Interval: 500 * time.Millisecond, Bytes: 1024, Fraction: 0.25, Timeout: 45 * time.Second}},
		{"traffic smallest and largest", "[server]\non-data = \"echo\"\n[[phase]]\nkind = \"traffic\"\nduration = \"1ms\"\ninterval = \"1ms\"\nbytes = 16\n[[phase]]\nkind = \"traffic\"\nduration = \"1s\"\ninterval = \"1s\"\nbytes = \"64KiB\"",
			func(s *Scenario) any { return []int64{s.Phases[1].Bytes, s.Phases[2].Bytes} }, []int64{16, 65536}},
		{"traffic with an external server", "[server]\ncommand = [\"/bin/echo-server\"]\n[[phase]]\nkind = \"traffic\"\nduration = \"10s\"\ninterval = \"1s\"", func(s *Scenario) any { return s.Phases[1].Kind }, "traffic"},
		{"latency expectations", "[server]\non-data = \"echo\"\n[[phase]]\nkind = \"traffic\"\nduration = \"10s\"\ninterval = \"1s\"\n[expect]\nconnect-p99-max = \"900ms\"\nconnect-p99-min = \"1ms\"\nrtt-p99-max = \"250ms\"\nrtt-p50-min = \"50ms\"\nmessages-per-second-min = \"900\"",
			func(s *Scenario) any { return s.Expect },
			Expect{ConnectP99Max: 900 * time.Millisecond, ConnectP99Min: time.Millisecond, RTTP99Max: 250 * time.Millisecond, RTTP50Min: 50 * time.Millisecond, MessagesPerSecondMin: 900}},
		{"connect p99 min alone", "[expect]\nconnect-p99-min = \"1s\"", func(s *Scenario) any { return s.Expect.ConnectP99Min }, time.Second},
		{"messages per second count", "[server]\non-data = \"echo\"\n[[phase]]\nkind = \"traffic\"\nduration = \"10s\"\ninterval = \"10ms\"\n[expect]\nmessages-per-second-min = \"90k\"", func(s *Scenario) any { return s.Expect.MessagesPerSecondMin }, 90000.0},
		{"expect", "[expect]\nmin-established = \"1k\"\nerrors-present = [\"EMFILE\"]\nno-node-killed = true\ncounters = { TCPTimeWaitOverflow = 1 }",
			func(s *Scenario) any { return s.Expect },
			Expect{MinEstablished: 1000, ErrorsPresent: []string{"EMFILE"}, NoNodeKilled: true, Counters: map[string]int64{"TCPTimeWaitOverflow": 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// [client] keys merge into the base table; other tables follow it.
			src := minimal + "\n" + tt.extra + "\n"
			if tt.name == "rate" {
				src = "[client]\nconnections = 1000\nconnect-rate = \"20k\"\n[[phase]]\nkind = \"connect\"\n"
			}
			s, err := Parse("t.toml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v; want %#v", got, tt.want)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "a.toml", Line: 3, Col: 7, Msg: "bad", Fix: "fix it"}, "a.toml:3:7: bad; fix: fix it"},
		{Error{File: "a.toml", Line: 3, Msg: "bad"}, "a.toml:3: bad"},
		{Error{File: "a.toml", Msg: "bad"}, "a.toml: bad"},
		{Error{File: "builtin:smoke", Set: "client.connections=abc", Msg: "client.connections: bad", Fix: "fix it"},
			"builtin:smoke: --set client.connections=abc: client.connections: bad; fix: fix it"},
		{Error{Set: "client.connections", Msg: "no '='"}, "--set client.connections: no '='"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q; want %q", got, tt.want)
		}
		if !errors.Is(&tt.e, ErrInvalid) {
			t.Errorf("%q does not wrap ErrInvalid", tt.want)
		}
	}
}

func TestPositions(t *testing.T) {
	src := "name = \"x\" # c\n[server]\n  backlog = 1\n[[phase]]\nkind = \"a\"\n[[phase]]\nkind = 'b'\ndesc = \"\"\"\n[fake]\n\"\"\"\n[expect]\ncounters = { A = 1, B = 2 }\n"
	p := findPositions(src)
	for path, want := range map[string]pos{
		"name": {line: 1, col: 1}, "server": {line: 2, col: 1}, "server.backlog": {line: 3, col: 3}, "phase[1].kind": {line: 7, col: 1},
		"phase[1].desc": {line: 8, col: 1}, "expect.counters.B": {line: 12, col: 21}, "fake": {}, "phase[1].missing": {line: 6, col: 1},
	} {
		if got := p.keyAt(path); got != want {
			t.Errorf("keyAt(%q) = %v; want %v", path, got, want)
		}
	}
	if got := p.valAt("server.backlog"); got != (pos{line: 3, col: 13}) {
		t.Errorf("valAt(server.backlog) = %v; want {3 13}", got)
	}
}

func TestLoadBuiltins(t *testing.T) {
	infos := Builtins()
	if len(infos) < 4 {
		t.Fatalf("Builtins() = %v; want at least 4", infos)
	}
	for i, b := range infos {
		if i > 0 && infos[i-1].Name >= b.Name {
			t.Errorf("Builtins() not sorted: %q before %q", infos[i-1].Name, b.Name)
		}
		// A bare name is the built-in; NAME.toml and ../scenarios/NAME.toml are the files.
		for _, name := range []string{b.Name, b.Name + ".toml", "../scenarios/" + b.Name + ".toml"} {
			s, err := Load(name)
			if err != nil {
				t.Fatalf("Load(%q): %v", name, err)
			}
			wantSource := name
			if name == b.Name {
				wantSource = "builtin:" + b.Name
			}
			if s.Name != b.Name || s.Source != wantSource || s.Description == "" {
				t.Errorf("Load(%q) = name %q source %q", name, s.Name, s.Source)
			}
		}
	}
	if _, err := Load("no-such-scenario"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Load(no-such-scenario) = %v; want ErrInvalid", err)
	}
}

// TestWorkerPortDefault: a server command with {worker-port} runs one copy
// per port (fewer would leave ports no copy listens on, which the run
// waits for: refused), and {dir} is refused in a built-in scenario.
func TestWorkerPortDefault(t *testing.T) {
	if _, err := Parse("wp.toml", []byte("[topology]\nserver-ports = [7000, 7001, 7002]\n[server]\ncommand = [\"srv\", \"--port\", \"{worker-port}\"]\nworkers = 2\n[client]\nconnections = 100\n[[phase]]\nkind = \"connect\"\n")); err == nil || !strings.Contains(err.Error(), "would never listen") {
		t.Errorf("{worker-port} with 2 copies for 3 ports: err = %v, want a refusal", err)
	}
	for _, tc := range []struct {
		workers string
		want    int
	}{{"", 3}, {"workers = 3", 3}} {
		s, err := Parse("wp.toml", []byte("[topology]\nserver-ports = [7000, 7001, 7002]\n[server]\ncommand = [\"srv\", \"--port\", \"{worker-port}\"]\n"+tc.workers+"\n[client]\nconnections = 100\n[[phase]]\nkind = \"connect\"\n"))
		if err != nil {
			t.Fatalf("%q: %v", tc.workers, err)
		}
		if s.Server.Workers != tc.want {
			t.Errorf("%q: server.workers = %d, want %d", tc.workers, s.Server.Workers, tc.want)
		}
	}
	body := []byte("[server]\ncommand = [\"srv\", \"-c\", \"{dir}/srv.conf\"]\n[client]\nconnections = 100\n[[phase]]\nkind = \"connect\"\n")
	if _, err := Parse("builtin:x.toml", body); err == nil || !strings.Contains(err.Error(), "no directory for {dir}") {
		t.Errorf("{dir} in a built-in scenario: err = %v", err)
	}
	if _, err := Parse("/some/x.toml", body); err != nil {
		t.Errorf("{dir} in a file: %v", err)
	}
}
