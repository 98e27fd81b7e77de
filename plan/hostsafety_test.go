package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// planBody decodes body and plans it on env; the error is the decoder's
// or the planner's.
func planBody(body string, env Env) error {
	s, err := scenarios.Parse("t.toml", []byte(body))
	if err != nil {
		return err
	}
	_, err = New(s, env)
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

// TestPlanNeighbours: a neighbour-table above the gc_thresh3 the host will
// have (the [host] value, else the host's) is refused by the plan, as the
// topology refuses it after [host] was written; unknown is not checked.
func TestPlanNeighbours(t *testing.T) {
	body := func(host string) string {
		return "name = \"n\"\n[topology]\nneighbour-table = 5000\n[client]\nconnections = 10\n" + host + "[[phase]]\nkind = \"connect\"\n"
	}
	env := DefaultEnv()
	if err := planBody(body(""), env); err == nil || !strings.Contains(err.Error(), "gc_thresh3") || !errors.Is(err, scenarios.ErrInvalid) {
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

// TestHostInUseMargin: a [host] value must leave the key's margin above
// what the host uses when the run starts (Env.HostInUse).
func TestHostInUseMargin(t *testing.T) {
	s, err := scenarios.Parse("t.toml", []byte(minimal+"[host]\n\"net.ipv4.tcp_mem\" = \"4096 6144 8192\"\n\"fs.file-max\" = 10000\n"))
	if err != nil {
		t.Fatal(err)
	}
	env := DefaultEnv()
	env.HostInUse = map[string]int64{"net.ipv4.tcp_mem": 8150}
	_, err = New(s, env)
	if want := "t.toml:8:22: host net.ipv4.tcp_mem: 8,192 pages would leave the host less than 64 pages above the 8,150 it uses now"; err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, scenarios.ErrInvalid) {
		t.Errorf("NewPlan = %v; want %q", err, want)
	}
	env.HostInUse = nil
	env.FileNr = 9990
	if _, err = New(s, env); err == nil || !strings.Contains(err.Error(), "host fs.file-max: 10,000 files would leave the host less than 32 files above the 9,990") {
		t.Errorf("NewPlan = %v; want the file-max margin", err)
	}
}
