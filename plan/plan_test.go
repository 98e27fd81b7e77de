package plan

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func mustLoad(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPlanMillion checks the arithmetic of the headline scenario on the
// reference machine: fd hard limit 20,000, fs.file-max 2,466,174.
func TestPlanMillion(t *testing.T) {
	p, err := New(mustLoad(t, "million"), DefaultEnv())
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want int64
	}{
		{"Connections", p.Connections, 1000000},
		{"PortsPerPair", p.PortsPerPair, 28232},       // 60999-32768+1
		{"Pairs", p.Pairs, 1 * 4 * 4 * 8},             // server addrs × ports × ns × addrs
		{"FiveTuples", p.FiveTuples, 128 * 28232},     // 3,613,696
		{"FDBudget", p.FDBudget, 20000 - 64 - 4},      // minus reserve and 4 listeners
		{"ServerWorkers", int64(p.ServerWorkers), 53}, // ceil(1M / floor(19932 × 0.95) = 18935)
		{"ClientWorkers", int64(p.ClientWorkers), 52}, // ceil(1M / 19936) = 51, rounded to 4 namespaces
		{"ClientWorkersPerNamespace", int64(p.ClientWorkersPerNamespace), 13},
		{"ConnsPerServerWorker", p.ConnsPerServerWorker, 18868},
		{"ConnsPerClientWorker", p.ConnsPerClientWorker, 19231},
		{"FileDescriptors", p.FileDescriptors, 2000000 + 105*16 + 53*4},
		{"KernelBytes", p.KernelBytes, 2000000 * 4150},
		{"UserBytes", p.UserBytes, 2000000*48 + 105*(3<<20)},
		{"TimeWait", p.TimeWait, 250000}, // client-side FIN close, 4 namespaces
		{"TimeWaitBudget", p.TimeWaitBudget, 131072},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d; want %d", c.name, c.got, c.want)
		}
	}
	if p.First == nil || p.First.Name != "TIME_WAIT per namespace" || !p.First.Soft {
		t.Errorf("First = %+v; want the soft TIME_WAIT limit", p.First)
	}
	for _, l := range p.Limits {
		if !l.OK && !l.Soft {
			t.Errorf("limit %s not OK: need %d have %d", l.Name, l.Need, l.Have)
		}
	}
}

func TestPlanPortExhaustionExpected(t *testing.T) {
	p, err := New(mustLoad(t, "port-exhaustion"), DefaultEnv())
	if err != nil {
		t.Fatalf("the lab expects EADDRNOTAVAIL, so the plan must succeed: %v", err)
	}
	if p.FiveTuples != 28232 || p.First == nil || p.First.Name != "five-tuples" || !p.First.Expected || p.First.OK {
		t.Errorf("FiveTuples %d, First %+v; want 28232 and an expected five-tuples limit", p.FiveTuples, p.First)
	}
}

// TestPlanLimits checks which limit a scenario hits first, and whether the plan fails.
func TestPlanLimits(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		env     func(*Env)
		first   string
		wantErr string // substring; "" = the plan fits
	}{
		{"fits", "[client]\nconnections = 1000\n", nil, "fds per server worker", ""},
		{"tuples", "[client]\nconnections = 30000\n", nil, "five-tuples", "add 1 client address"},
		{"wider range cures tuples", "[client]\nconnections = 30000\n[sysctl.client]\n\"net.ipv4.ip_local_port_range\" = \"1024 65535\"\n", nil, "fds per server worker", ""},
		{"fd-limit", "[topology]\nclient-addresses = 2\n[client]\nconnections = 30000\nworkers = 1\nfd-limit = 1000\n", nil, "fds per client worker", "fds per client worker"},
		{"fd-limit expected", "[topology]\nclient-addresses = 2\n[client]\nconnections = 30000\nworkers = 1\nfd-limit = 1000\n[expect]\nerrors-present = [\"EMFILE\"]\n", nil, "fds per client worker", ""},
		{"nr_open", "[server]\nfd-limit = 2000000\n[client]\nconnections = 1000\n", func(e *Env) { e.FDHard = 4000000 }, "fs.nr_open", "fs.nr_open"},
		{"file-max from host", "[host]\n\"fs.file-max\" = \"+1500\"\n[client]\nconnections = 1000\n", nil, "fs.file-max", "fs.file-max"},
		{"file-max expected", "[host]\n\"fs.file-max\" = \"+1500\"\n[client]\nconnections = 1000\n[expect]\nerrors-present = [\"ENFILE\"]\n", nil, "fs.file-max", ""},
		{"memory", "[client]\nconnections = 1000\n", func(e *Env) { e.MemAvailable = 1 << 20 }, "memory", "memory"},
		{"conntrack", "[topology]\nconntrack = true\n[host]\n\"net.netfilter.nf_conntrack_max\" = 500\n[client]\nconnections = 1000\n", nil, "net.netfilter.nf_conntrack_max", "nf_conntrack_max"},
		{"tcp_mem", "[host]\n\"net.ipv4.tcp_mem\" = \"128 192 256\"\n[client]\nconnections = 1000\n[[phase]]\nkind = \"send\"\nbytes = \"1MiB\"\n[expect]\ncounters = { TCPAbortOnMemory = 1 }\n", nil, "net.ipv4.tcp_mem", ""},
		{"time-wait server", "[client]\nconnections = 20000\n[[phase]]\nkind = \"close\"\nside = \"server\"\n[sysctl.server]\n\"net.ipv4.tcp_max_tw_buckets\" = 1000\n", nil, "TIME_WAIT per namespace", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scenarios.Parse("t.toml", []byte(tt.src+"\n[[phase]]\nkind = \"connect\"\n"))
			if err != nil {
				t.Fatal(err)
			}
			env := DefaultEnv()
			if tt.env != nil {
				tt.env(&env)
			}
			p, err := New(s, env)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("NewPlan: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, scenarios.ErrInvalid)):
				t.Fatalf("NewPlan error %v; want one containing %q wrapping ErrInvalid", err, tt.wantErr)
			}
			if p.First == nil || p.First.Name != tt.first {
				t.Errorf("First = %+v; want %s", p.First, tt.first)
			}
		})
	}
}

// TestPlanSaturates: absurd sizes and counts saturate instead of
// overflowing into a negative need that would pass as ok.
func TestPlanSaturates(t *testing.T) {
	src := "[topology]\nclient-namespaces = 4\nclient-addresses = 8\nserver-ports = 4\n[client]\nconnections = \"1M\"\n[[phase]]\nkind = \"connect\"\n[[phase]]\nkind = \"send\"\nbytes = \"4GB\"\n"
	s, err := scenarios.Parse("t.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scenarios.Parse("t.toml", []byte(strings.Replace(src, "4GB", "10000GB", 1))); err == nil || !strings.Contains(err.Error(), "above the maximum") {
		t.Errorf("10000GB per connection: %v; want a refusal", err)
	}
	s.Phases[1].Bytes = math.MaxInt64 // what the decoder refuses, the planner still survives
	p, err := New(s, DefaultEnv())
	if err == nil || !strings.Contains(err.Error(), "memory") {
		t.Errorf("NewPlan = %v; want an impossible memory plan", err)
	}
	for _, l := range p.Limits {
		if l.Need < 0 || l.Have < 0 {
			t.Errorf("%s: need %d have %d", l.Name, l.Need, l.Have)
		}
		if l.Name == "memory" && l.OK {
			t.Errorf("memory marked ok: need %d have %d", l.Need, l.Have)
		}
	}
}

func TestPlanInFlightAndPool(t *testing.T) {
	for _, tt := range []struct {
		src      string
		inFlight int
		pool     int64
	}{
		{"[client]\nconnections = 1000\n", scenarios.DefaultInFlightPerWorker, 0},
		{"[client]\nconnections = 1000\nworkers = 2\nin-flight = 1001\n", 501, 0},
		{"[server]\nconn-buffer = \"4KiB\"\n[client]\nconnections = 1000\n", scenarios.DefaultInFlightPerWorker, 1000 * 2 * 4096},
	} {
		s, err := scenarios.Parse("t.toml", []byte(tt.src+"[[phase]]\nkind = \"connect\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := New(s, DefaultEnv())
		if err != nil {
			t.Fatal(err)
		}
		if p.InFlightPerWorker != tt.inFlight || p.ConnPoolBytes != tt.pool {
			t.Errorf("%q: in-flight %d pool %d; want %d %d", tt.src, p.InFlightPerWorker, p.ConnPoolBytes, tt.inFlight, tt.pool)
		}
	}
}

// TestBuiltinsPlan: every built-in scenario plans on the reference
// machine, by its name and as a file.
func TestBuiltinsPlan(t *testing.T) {
	for _, b := range scenarios.Builtins() {
		for _, name := range []string{b.Name, "../scenarios/" + b.Name + ".toml"} {
			s, err := scenarios.Load(name)
			if err != nil {
				t.Fatalf("Load(%q): %v", name, err)
			}
			if _, err := New(s, DefaultEnv()); err != nil {
				t.Errorf("New(%s): %v", name, err)
			}
		}
	}
}

// TestPlanForClients: million as clients in place (one namespace, four
// sources, a target of four ports) plans over its 16 pairs.
func TestPlanForClients(t *testing.T) {
	tg, _ := scenarios.ParseTarget("10.0.0.5:8000-8003")
	c, _, err := mustLoad(t, "million").ForClients(scenarios.InPlace{Target: tg, Sources: 4, PortLow: 1024, PortHigh: 65535})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(c, DefaultEnv())
	if err != nil {
		t.Fatalf("the plan in place: %v", err)
	}
	if p.Pairs != 16 || p.PortsPerPair != 65535-1024+1 {
		t.Errorf("pairs %d × %d ports, want 16 × 64512", p.Pairs, p.PortsPerPair)
	}
}
