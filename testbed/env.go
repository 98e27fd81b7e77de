package testbed

import (
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// dependedKeys are the host sysctls every run depends on and records
// before and after.
var dependedKeys = []string{
	"fs.file-max", "fs.nr_open", "fs.file-nr",
	"net.ipv4.tcp_mem", "net.ipv4.tcp_max_orphans",
	"net.ipv4.ip_local_port_range", "net.core.somaxconn",
	"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "net.ipv4.tcp_max_tw_buckets",
	"net.netfilter.nf_conntrack_max",
}

// ProbeEnv reads the host facts the planner needs, among them what the
// host uses now of each [host] key that has an amount in use
// (Env.HostInUse). A fact it cannot read keeps DefaultEnv's value.
func ProbeEnv() plan.Env {
	env := plan.DefaultEnv()
	readHostFacts(&env)
	env.HostInUse = readHostInUse()
	return env
}

// readHostFacts is the one reading of the host's facts, for the plan
// (ProbeEnv) and for run.json (probeRecordEnv): each fact it can read
// replaces env's.
func readHostFacts(env *plan.Env) {
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) == nil {
		env.FDSoft, env.FDHard = int64(rl.Cur), int64(rl.Max)
	}
	if v, _ := procfs.ReadInt("/proc/sys/fs/nr_open"); v > 0 {
		env.NrOpen = v
	}
	if v, _ := procfs.ReadInt("/proc/sys/fs/file-max"); v > 0 {
		env.FileMax = v
	}
	env.FileNr, _ = procfs.ReadInt("/proc/sys/fs/file-nr")
	mi := procfs.ParseMeminfo(procfs.ReadFile("/proc/meminfo"))
	if mi["MemTotal"] > 0 {
		env.MemTotal, env.MemAvailable = mi["MemTotal"], mi["MemAvailable"]
	}
	env.PageSize = int64(os.Getpagesize())
	if f := strings.Fields(string(procfs.ReadFile("/proc/sys/net/ipv4/tcp_mem"))); len(f) == 3 {
		for i := range f {
			env.TCPMem[i], _ = strconv.ParseInt(f[i], 10, 64)
		}
	}
	if v, _ := procfs.ReadInt("/proc/sys/net/netfilter/nf_conntrack_max"); v > 0 {
		env.ConntrackMax = v
	}
	if v, _ := procfs.ReadInt("/proc/sys/net/ipv4/neigh/default/gc_thresh3"); v > 0 {
		env.NeighbourMax = v
	}
	if v, _ := procfs.ReadInt("/proc/sys/net/ipv6/neigh/default/gc_thresh3"); v > 0 {
		env.NeighbourMax6 = v
	}
	env.IOUringUnusable = ""
	if err := nodes.IOUringUsable(); err != nil {
		env.IOUringUnusable = err.Error()
	}
	env.CPUs = runtime.NumCPU()
}

// hostKeys returns the sysctls a run records: the ones it depends on
// and every [host] key of the scenario.
func hostKeys(sc *scenarios.Scenario) []string {
	seen := map[string]bool{}
	var keys []string
	for _, k := range append(append([]string{}, dependedKeys...), slices.Sorted(maps.Keys(sc.Host))...) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// readSysctls reads each key in the host's namespace; missing ones are skipped.
func readSysctls(keys []string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		data, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(k, ".", "/"))
		if err == nil {
			m[k] = strings.Join(strings.Fields(string(data)), " ")
		}
	}
	return m
}

// probeRecordEnv describes the machine for run.json. results.Env stays a
// type of its own: it is run.json's record (its own key names and units,
// and kernel, CPU model and sysctls the plan does not use), and results
// imports no package above internal/; the facts both state come from
// readHostFacts.
func probeRecordEnv(keys []string) results.Env {
	var h plan.Env // zero: a fact not read is recorded as 0, never the reference machine's
	readHostFacts(&h)
	var u unix.Utsname
	_ = unix.Uname(&u)
	e := results.Env{
		Kernel:       unix.ByteSliceToString(u.Release[:]),
		CPUs:         h.CPUs,
		MemTotal:     h.MemTotal,
		MemAvailable: h.MemAvailable,
		FDSoft:       uint64(h.FDSoft), // the rlimit's bits back: RLIM_INFINITY stays itself
		FDHard:       uint64(h.FDHard),
		GoVersion:    runtime.Version(),
	}
	e.Hostname, _ = os.Hostname()
	e.CPUModel = procfs.ParseCPUModel(procfs.ReadFile("/proc/cpuinfo"))
	e.SysctlsBefore = readSysctls(keys)
	return e
}

// namespaceSysctls lists the per-namespace settings of a scenario for run.json.
func namespaceSysctls(sc *scenarios.Scenario) map[string]string {
	m := map[string]string{}
	for k, v := range sc.Sysctl.Server {
		m["server:"+k] = v
	}
	for k, v := range sc.Sysctl.Client {
		m["client:"+k] = v
	}
	return m
}
