package results

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// File names inside a results directory.
const (
	RunFile     = "run.json"
	SamplesFile = "samples.csv"
)

// Record is the content of run.json: everything known about one run.
// docs/results.md documents every field.
type Record struct {
	Version      int               `json:"version"`
	RunID        string            `json:"run_id"`
	Scenario     string            `json:"scenario"`
	Source       string            `json:"source"`
	Description  string            `json:"description,omitempty"`
	Scale        float64           `json:"scale"`
	Started      time.Time         `json:"started"`
	Ended        time.Time         `json:"ended"`
	Env          Env               `json:"environment"`
	ScenarioBody any               `json:"scenario_body,omitempty"`
	Plan         any               `json:"plan,omitempty"`
	Phases       []Phase           `json:"phases"`
	Workers      []Worker          `json:"workers"`
	Roles        []RoleUsage       `json:"roles,omitempty"` // each role's processes, measured by network namespace
	Measurement  *MeasurementCost  `json:"measurement_cost,omitempty"`
	Summary      Summary           `json:"summary"`
	Expectations []Expectation     `json:"expectations"`
	Passed       bool              `json:"passed"`
	Failure      string            `json:"failure,omitempty"`
	Host         []HostSetting     `json:"host_settings,omitempty"`
	Actions      []Action          `json:"privileged_actions,omitempty"` // every privileged action the run took
	SharedHost   bool              `json:"shared_host"`                  // other runs of ours were active: host-wide figures (slab, tcp_mem, orphans) include theirs
	SharedWith   []string          `json:"shared_with,omitempty"`        // their run ids
	Counters     map[string]int64  `json:"counters,omitempty"`
	KernelLog    []string          `json:"kernel_log,omitempty"`
	Notes        []string          `json:"notes,omitempty"`
	Extra        map[string]string `json:"extra,omitempty"`
}

// Env describes the machine a run used.
type Env struct {
	Kernel           string            `json:"kernel"`
	Hostname         string            `json:"hostname"`
	CPUs             int               `json:"cpus"`
	CPUModel         string            `json:"cpu_model,omitempty"`
	MemTotal         int64             `json:"mem_total_bytes"`
	MemAvailable     int64             `json:"mem_available_bytes"`
	FDSoft           uint64            `json:"rlimit_nofile_soft"`
	FDHard           uint64            `json:"rlimit_nofile_hard"`
	GoVersion        string            `json:"go_version"`
	SysctlsBefore    map[string]string `json:"sysctls_before"`
	SysctlsAfter     map[string]string `json:"sysctls_after"`
	NamespaceSysctls map[string]string `json:"namespace_sysctls,omitempty"`
}

// Phase is one phase of a run with its times.
type Phase struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	Seconds float64   `json:"seconds"`
	Outcome string    `json:"outcome"` // "done", "timeout", "interrupted", "failed"
	Detail  string    `json:"detail,omitempty"`
	Target  int       `json:"target,omitempty"`
	Reached int64     `json:"reached,omitempty"`

	Connect   *Latency `json:"connect_latency,omitempty"` // connects completed during the phase
	LoopWait  *Latency `json:"loop_wait,omitempty"`       // of those sampled, how long each sat established before the client's loop reached it
	Handshake *Latency `json:"handshake,omitempty"`       // protocol handshakes completed during the phase
	RTT       *Latency `json:"rtt,omitempty"`             // round trips of the messages answered during the phase
	Traffic   *Traffic `json:"traffic,omitempty"`         // a traffic phase's messages
}

// Worker is one node process of the run.
type Worker struct {
	Role      string `json:"role"`
	Index     int    `json:"index"`
	Namespace string `json:"namespace"`
	PID       int    `json:"pid"`
	Exit      string `json:"exit"`   // "stopped", "exit status 2", "signal: killed", "running"
	Killed    bool   `json:"killed"` // ended before the run stopped it
	Tail      string `json:"stderr_tail,omitempty"`
}

// Summary holds the headline figures of a run (docs/results.md).
type Summary struct {
	PeakEstablished       int64            `json:"peak_established"`
	PeakServerEstablished int64            `json:"peak_server_established"`
	RampSeconds           float64          `json:"ramp_seconds"`
	ConnectsPerSecond     float64          `json:"connects_per_second"`
	CloseSeconds          float64          `json:"close_seconds"`
	Errors                map[string]int64 `json:"errors"`
	UserBytesPerConn      float64          `json:"user_bytes_per_conn"`
	UserRSSBytesPerConn   float64          `json:"user_rss_bytes_per_conn"`
	KernelBytesPerConn    float64          `json:"kernel_bytes_per_conn"`
	// ServerSyscallsPerConn and ClientSyscallsPerConn are the system
	// calls the built-in workers of each role made over the run (their
	// own count: nodes.Stats.Syscalls) per connection at the peak; 0 for
	// a role run by a program.
	ServerSyscallsPerConn float64  `json:"server_syscalls_per_conn"`
	ClientSyscallsPerConn float64  `json:"client_syscalls_per_conn"`
	PeakTCPMemPages       int64    `json:"peak_tcp_mem_pages"`
	PeakOrphans           int64    `json:"peak_orphans"`
	PeakTimeWait          int64    `json:"peak_time_wait"`
	Messages              int64    `json:"messages"`
	HostRestored          bool     `json:"host_restored"`
	Leftovers             int      `json:"leftovers"`
	LeftoverItems         []string `json:"leftover_items,omitempty"`
	WorkersKilled         int      `json:"workers_killed"`
	// OOMKills sums the roles' cgroups' OOM kills; MaxThrottledPercent is
	// the most throttled role's share of CFS periods (both 0 without limits).
	OOMKills            int64            `json:"oom_kills"`
	MaxThrottledPercent float64          `json:"max_throttled_percent"`
	KernelMessages      map[string]int64 `json:"kernel_messages,omitempty"`

	Connect     *Latency `json:"connect_latency,omitempty"` // every connect of the run
	LoopWait    *Latency `json:"loop_wait,omitempty"`       // every sampled connect's wait for the client's loop
	Reconnects  int64    `json:"reconnects"`                // reconnect attempts started
	Reconnected int64    `json:"reconnected"`               // reconnects that came back

	Handshake *Latency  `json:"handshake,omitempty"` // every protocol handshake of the run
	RTT       *Latency  `json:"rtt,omitempty"`       // every round trip of the run
	Protocol  *Protocol `json:"protocol,omitempty"`  // what the clients counted of their protocol (not echo)
}

// Protocol is what the built-in clients counted of the protocol they
// speak, over the run.
type Protocol struct {
	Name              string           `json:"name"`
	Handshakes        int64            `json:"handshakes"`          // handshakes accepted
	PeakReady         int64            `json:"peak_ready"`          // most connections with their handshake done at once (sampled)
	KeepAliveSent     int64            `json:"keep_alive_sent"`     // keep-alive requests written
	KeepAliveAnswered int64            `json:"keep_alive_answered"` // keep-alive replies read
	Pongs             int64            `json:"pongs"`               // server pings answered
	Pushes            int64            `json:"pushes"`              // frames the server sent unasked
	Statuses          map[string]int64 `json:"statuses,omitempty"`  // replies by class (http: "2xx" … "5xx")
}

// Expectation is one [expect] entry and whether it held.
type Expectation struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Held bool   `json:"held"`
}

// HostSetting is one host-global setting the run changed.
type HostSetting struct {
	Key      string `json:"key"`
	Before   string `json:"before"`
	Set      string `json:"set"`
	After    string `json:"after"`
	Restored bool   `json:"restored"`
}

// Action is one privileged action a run took (or, in a plan, will take).
type Action struct {
	Kind  string   `json:"kind"`            // "host-sysctl", "program", "namespaces"
	What  string   `json:"what"`            // the sysctl key, the program, or what was built
	Old   string   `json:"old,omitempty"`   // host-sysctl: the value before
	New   string   `json:"new,omitempty"`   // host-sysctl: the value set
	Argv  []string `json:"argv,omitempty"`  // program: its argument vector
	Count int      `json:"count,omitempty"` // namespaces: how many
}

// WriteRecord writes rec to run.json in d atomically (Dir.WriteFile),
// as version RecordVersion whatever rec.Version says: this package's
// types define the format.
func (d *Dir) WriteRecord(rec *Record) error {
	v := *rec
	v.Version = RecordVersion
	data, err := json.MarshalIndent(&v, "", "  ")
	if err != nil {
		return fmt.Errorf("failed to encode run record: %w", err)
	}
	data = compactCounts(data)
	if err := d.WriteFile(RunFile, append(data, '\n')); err != nil {
		return fmt.Errorf("failed to write run record: %w", err)
	}
	return nil
}

// histCounts matches the bucket list of an indented histogram (its last
// field): "counts": [ [62, 1], … ].
var histCounts = regexp.MustCompile(`"counts": \[[\s\d,\[\]]*\]`)

// compactCounts writes each histogram's bucket list on one line:
// MarshalIndent would give every number a line of its own, four lines per
// bucket, and a run.json of thousands of lines per histogram.
func compactCounts(data []byte) []byte {
	return histCounts.ReplaceAllFunc(data, func(m []byte) []byte {
		out := make([]byte, 0, len(m))
		out = append(out, `"counts": `...)
		for _, c := range m[len(`"counts": `):] {
			if c != ' ' && c != '\n' && c != '\t' && c != '\r' {
				out = append(out, c)
			}
		}
		return out
	})
}

// ReadRecord reads dir/run.json (through OpenDir and Dir.ReadFile: no
// symbolic or hard link is followed) of any version this package knows, in
// the form of RecordVersion, within the bounds of LoadDir (an error
// wrapping ErrOutOfBounds).
func ReadRecord(dir string) (*Record, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to read run record: %w", err)
	}
	defer d.Close()
	return d.ReadRecord()
}

// ReadRecord reads run.json in d; see the function ReadRecord.
func (d *Dir) ReadRecord() (*Record, error) {
	data, err := d.read(RunFile, MaxRecordSize, true)
	if err != nil {
		return nil, fmt.Errorf("failed to read run record (is %s a results directory?): %w", d.Path(), err)
	}
	if err := recordCost(data); err != nil {
		return nil, fmt.Errorf("failed to read %s: %w; it was not decoded", d.Join(RunFile), err)
	}
	var rec Record
	if err := decodeRecord(data, &rec); err != nil {
		return nil, fmt.Errorf("failed to decode %s: %w", d.Join(RunFile), err)
	}
	return &rec, nil
}
