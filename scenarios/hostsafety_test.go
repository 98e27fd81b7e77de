package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
)

// planBody decodes body and plans it on env; the error is the decoder's
// or the planner's.
func planBody(body string, env Env) error {
	s, err := Parse("t.toml", []byte(body))
	if err != nil {
		return err
	}
	_, err = NewPlan(s, env)
	return err
}

// TestExpectedErrorsNeverWaiveHostSafety: errors-present may expect the
// lab's own limit to be hit (a role's fd-limit, an fs.file-max or tcp_mem
// it sets under [host]), never the memory floor, the fd budget the host
// gives, fs.nr_open or the host's own file-max and tcp_mem headroom.
// Before issue 23, errors-present = ["ENOMEM"] let 20,000 workers (58.6
// GiB) plan on a 24 GiB host.
func TestExpectedErrorsNeverWaiveHostSafety(t *testing.T) {
	small := DefaultEnv()
	small.FileMax, small.FileNr = 100_000, 1024
	for _, tc := range []struct {
		name, body string
		env        Env
		want       string // "" plans; else the limit that refuses it
	}{
		{"memory floor", `[server]
workers = 10000
[client]
connections = 20000
workers = 10000
[[phase]]
kind = "connect"
[expect]
errors-present = ["ENOMEM"]`, DefaultEnv(), "memory"},
		{"host fd budget", `[client]
connections = 25000
workers = 1
[[phase]]
kind = "connect"
[expect]
errors-present = ["EMFILE"]`, DefaultEnv(), "fds per client worker"},
		{"lab's own fd-limit", `[client]
connections = 3000
workers = 1
fd-limit = 1024
[[phase]]
kind = "connect"
[expect]
errors-present = ["EMFILE"]`, DefaultEnv(), ""},
		{"fs.nr_open", `[client]
connections = 3000
fd-limit = 2000000
[[phase]]
kind = "connect"
[expect]
errors-present = ["EMFILE"]`, DefaultEnv(), "fs.nr_open"},
		{"host file-max", `[topology]
client-addresses = 4
[client]
connections = 60000
[[phase]]
kind = "connect"
[expect]
errors-present = ["ENFILE"]`, small, "fs.file-max"},
		{"lab's own file-max", `[client]
connections = 3000
[host]
"fs.file-max" = "+3000"
[[phase]]
kind = "connect"
[expect]
errors-present = ["ENFILE"]`, small, ""},
		{"host tcp_mem", `[server]
on-data = "ignore"
[client]
connections = 1000
[[phase]]
kind = "connect"
[[phase]]
kind = "send"
from = "client"
bytes = "4MiB"
[expect]
errors-present = ["ECONNRESET"]`, func() Env { e := DefaultEnv(); e.TCPMem = [3]int64{4096, 6144, 8192}; return e }(), "net.ipv4.tcp_mem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := planBody("name = \"w\"\n"+tc.body+"\n", tc.env)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("the lab's own limit is refused: %v", err)
			case tc.want != "" && err == nil:
				t.Errorf("plans; want %s refused whatever [expect] says", tc.want)
			case tc.want != "" && (!strings.Contains(err.Error(), "impossible plan: "+tc.want+":") || !strings.Contains(err.Error(), "[expect] cannot waive it")):
				t.Errorf("err = %v; want %s refused, saying [expect] cannot waive it", err, tc.want)
			}
		})
	}
}

// TestLinkDurationResolution: link-delay and link-jitter between 0 and
// 1 µs decode no more: topology.LinkShape.Validate refuses them, after
// [host] was written.
func TestLinkDurationResolution(t *testing.T) {
	for _, tc := range []struct {
		link string
		ok   bool
	}{
		{`link-delay = "1us"`, true},
		{`link-delay = "999ns"`, false},
		{`link-delay = "1ns"`, false},
		{"link-delay = \"2us\"\nlink-jitter = \"500ns\"", false},
		{"link-delay = \"2us\"\nlink-jitter = \"1us\"", true},
	} {
		err := planBody("name = \"l\"\n[topology]\n"+tc.link+"\n[client]\nconnections = 10\n[[phase]]\nkind = \"connect\"\n", DefaultEnv())
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v, want ok %v", tc.link, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "resolution") {
			t.Errorf("%q: %v does not name netem's resolution", tc.link, err)
		}
	}
}

// TestPlanNeighbours: a neighbour-table above the gc_thresh3 the host will
// have (the [host] value, else the host's) is refused by the plan, as the
// topology refuses it after [host] was written; unknown is not checked.
func TestPlanNeighbours(t *testing.T) {
	body := func(host string) string {
		return "name = \"n\"\n[topology]\nneighbour-table = 5000\n[client]\nconnections = 10\n" + host + "[[phase]]\nkind = \"connect\"\n"
	}
	env := DefaultEnv()
	if err := planBody(body(""), env); err == nil || !strings.Contains(err.Error(), "gc_thresh3") || !errors.Is(err, ErrInvalid) {
		t.Errorf("5,000 entries against gc_thresh3 1,024: err = %v, want a refusal naming gc_thresh3", err)
	}
	if err := planBody(body("[host]\n\"net.ipv4.neigh.default.gc_thresh3\" = 5000\n"), env); err != nil {
		t.Errorf("gc_thresh3 = 5000 under [host]: %v", err)
	}
	if err := planBody(body("[host]\n\"net.ipv4.neigh.default.gc_thresh3\" = 4999\n"), env); err == nil {
		t.Error("gc_thresh3 = 4999 under [host] for 5,000 entries plans")
	}
	env.NeighbourMax = 0
	if err := planBody(body(""), env); err != nil {
		t.Errorf("unknown gc_thresh3: %v, want no check", err)
	}
}

// TestScaledHostValuesStayInKernelRange: --scale 10 of a lab whose [host]
// ints are near 2^30 would write values past the kernel's int range; the
// lab runs whole instead, and says so. Every value a scaled scenario
// writes decodes as a written one would.
func TestScaledHostValuesStayInKernelRange(t *testing.T) {
	s, err := Parse("s.toml", []byte(`name = "s"
[client]
connections = 1000
[host]
"net.ipv4.tcp_max_orphans" = 1073741824
"net.ipv4.neigh.default.gc_thresh3" = 1073741824
[sysctl.server]
"net.ipv4.tcp_max_tw_buckets" = 1073741824
[[phase]]
kind = "connect"
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []float64{10, 2, 0.5} {
		sc, note := s.ScaledNote(f)
		if f > 1 && (!strings.Contains(note, "runs whole") || !strings.Contains(note, "maximum")) {
			t.Errorf("--scale %g: note %q, want it to run whole above the kernel's maximum", f, note)
		}
		for name, v := range sc.Host {
			k, _ := sysctlscope.Lookup(name)
			if _, _, problem := normalizeSysctl(k, v, true); problem != "" {
				t.Errorf("--scale %g: [host] %s = %s %s", f, name, v, problem)
			}
		}
		for name, v := range sc.Sysctl.Server {
			k, _ := sysctlscope.Lookup(name)
			if _, _, problem := normalizeSysctl(k, v, false); problem != "" {
				t.Errorf("--scale %g: [sysctl.server] %s = %s %s", f, name, v, problem)
			}
		}
	}
}

// TestOneSpellingPerKey: a setting written twice (both names of the
// conntrack limit, or one key quoted and nested) is refused: the plan
// would check one value and the run write the other.
func TestOneSpellingPerKey(t *testing.T) {
	for _, host := range []string{
		"\"net.netfilter.nf_conntrack_max\" = 100000\n\"net.nf_conntrack_max\" = 300000\n",
		"\"fs.file-max\" = 100000\nfs.file-max = 300000\n",
	} {
		err := planBody("name = \"k\"\n[client]\nconnections = 10\n[host]\n"+host+"[[phase]]\nkind = \"connect\"\n", DefaultEnv())
		if err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want a refusal", host, err)
		}
	}
	if err := planBody("name = \"k\"\n[client]\nconnections = 10\n[host]\n\"net.nf_conntrack_max\" = 300000\n[[phase]]\nkind = \"connect\"\n", DefaultEnv()); err != nil {
		t.Errorf("one spelling: %v", err)
	}
}

// TestWorkerPortCopiesCapped: {worker-port} runs one copy per port; with
// 57,536 ports that was 57,536 copies past the 10,000 cap (and plan out
// of memory listing them).
func TestWorkerPortCopiesCapped(t *testing.T) {
	for _, tc := range []struct {
		ports string
		ok    bool
	}{{"57536", false}, {"10001", false}, {"10000", true}} {
		_, err := Parse("w.toml", []byte("name = \"w\"\n[topology]\nserver-ports = "+tc.ports+"\n[server]\ncommand = [\"/srv\", \"{worker-port}\"]\n[client]\nconnections = 10\n[[phase]]\nkind = \"connect\"\n"))
		if (err == nil) != tc.ok {
			t.Errorf("%s ports: err = %v, want ok %v", tc.ports, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "10,000") {
			t.Errorf("%s ports: %v does not name the cap", tc.ports, err)
		}
	}
}
