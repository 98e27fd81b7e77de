package results

import (
	"io"
	"strconv"
	"time"
)

// ErrnoColumns are the errno names that get a column of their own in
// samples.csv; every other errno is added to "err_other".
var ErrnoColumns = []string{
	"EADDRNOTAVAIL", "EMFILE", "ENFILE", "ECONNREFUSED", "ETIMEDOUT",
	"ECONNRESET", "ENOBUFS", "ENOMEM", "EHOSTUNREACH", "EPIPE",
}

// NstatColumns are the TcpExt counters sampled (summed over the run's namespaces).
var NstatColumns = []string{
	"ListenOverflows", "ListenDrops", "TCPTimeWaitOverflow",
	"TCPAbortOnMemory", "TCPMemoryPressures", "TCPAbortOnClose",
}

// Sample is one row of samples.csv, taken every 500 ms.
type Sample struct {
	Seconds float64 // since the run started
	Phase   string

	CliEstablished, CliConnecting, CliConnected, CliClosed int64
	SrvEstablished, SrvAccepted, SrvClosed                 int64
	ConnectsPerSec, ClosesPerSec                           float64
	CliRSS, SrvRSS                                         int64
	Messages                                               int64

	Errors map[string]int64 // cumulative, by errno name

	SrvInuse, SrvOrphan, SrvTW, SrvAlloc int64 // server namespace /proc/net/sockstat TCP (inuse plus sockstat6's TCP6)
	CliInuse, CliOrphan, CliTW, CliAlloc int64 // summed over client namespaces

	TCPMemPages  int64 // host-wide TCP memory (sockstat "mem"), pages
	MemAvailable int64 // bytes
	Slab         int64 // bytes
	SUnreclaim   int64 // bytes
	FileNr       int64 // allocated file handles (fs.file-nr first field)

	Nstat map[string]int64 // cumulative TcpExt counters since the run started

	// CliPSS and SrvPSS are the proportional set size of all processes of
	// a role (/proc/<pid>/smaps_rollup): shared pages such as the program's
	// text are counted once over all of them, unlike RSS.
	CliPSS, SrvPSS int64

	// CliProcesses and SrvProcesses count the live processes of each role's
	// namespaces at the role meter's latest reading (forks included).
	CliProcesses, SrvProcesses int64

	// Latency and traffic of the interval since the previous sample
	// (SetIntervalLatency, SetIntervalTraffic): the p99 of the connects
	// and of the round trips recorded in it, and the messages asked and
	// answered per second. nil is an empty cell: nothing was recorded
	// (or, for the rates, no traffic phase ran).
	ConnectP99, RTTP99                  *time.Duration
	MsgsAskedPerSec, MsgsAnsweredPerSec *float64

	// CliReady counts the client connections with their protocol's
	// handshake done, CliReconnecting those lost and waiting for their
	// backoff; HandshakeP99 is the interval's handshake p99 (nil: none).
	CliReady, CliReconnecting int64
	HandshakeP99              *time.Duration

	// SrvCgroup and CliCgroup are each role's cgroup at the latest
	// reading; nil (empty cells) for a role without limits.
	SrvCgroup, CliCgroup *CgroupSample

	// CliWindow is the client workers' caps on connects in progress,
	// summed (0 outside connect phases).
	CliWindow int64
}

// CgroupSample is one reading of a role's cgroup.
type CgroupSample struct {
	Memory, Socket      int64 // bytes charged / in socket buffers
	OOMKills, Throttled int64 // cumulative: OOM kills, throttled CFS periods
}

// LatencyColumns are the last columns of samples.csv, added with issue
// 14; files written before have none of them, and a cell is empty when
// its interval recorded nothing (ReadSamples gives NaN).
var LatencyColumns = []string{"connect_p99_ms", "rtt_p99_ms", "msgs_asked_per_sec", "msgs_answered_per_sec"}

// Header returns the CSV header of samples.csv.
func Header() []string {
	h := []string{"seconds", "phase",
		"cli_established", "cli_connecting", "cli_connected", "cli_closed",
		"srv_established", "srv_accepted", "srv_closed",
		"connects_per_sec", "closes_per_sec", "cli_rss", "srv_rss", "messages"}
	for _, e := range ErrnoColumns {
		h = append(h, "err_"+e)
	}
	h = append(h, "err_other",
		"srv_inuse", "srv_orphan", "srv_tw", "srv_alloc",
		"cli_inuse", "cli_orphan", "cli_tw", "cli_alloc",
		"tcp_mem_pages", "mem_available", "slab", "sunreclaim", "file_nr")
	for _, n := range NstatColumns {
		h = append(h, "nstat_"+n)
	}
	h = append(h, "cli_pss", "srv_pss")
	h = append(h, LatencyColumns...)
	h = append(h, ProcessColumns...)
	h = append(h, ProtocolColumns...)
	h = append(h, CgroupColumns...)
	return append(h, WindowColumns...)
}

// WindowColumns come last, added with the adaptive connect window (issue
// 24): the client workers' cap on connects in progress, summed; files
// written before have none.
var WindowColumns = []string{"cli_window"}

// CgroupColumns come after ProtocolColumns, added with issue 27 (limits per role): each
// role's cgroup memory, socket memory, OOM kills and throttled periods;
// empty for a role without limits, and absent from files written before.
var CgroupColumns = []string{"srv_cg_memory", "srv_cg_sock", "srv_oom_kills", "srv_throttled",
	"cli_cg_memory", "cli_cg_sock", "cli_oom_kills", "cli_throttled"}

// ProcessColumns come after LatencyColumns, added with issue 17; files
// written before have none.
var ProcessColumns = []string{"cli_processes", "srv_processes"}

// ProtocolColumns come last, added with issue 21 (protocols and
// reconnects); files written before have none. handshake_p99_ms is empty
// when no handshake completed in the interval.
var ProtocolColumns = []string{"cli_ready", "cli_reconnecting", "handshake_p99_ms"}

// Row returns s as CSV fields in Header order.
func (s *Sample) Row() []string {
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	r := []string{strconv.FormatFloat(s.Seconds, 'f', 3, 64), s.Phase,
		i(s.CliEstablished), i(s.CliConnecting), i(s.CliConnected), i(s.CliClosed),
		i(s.SrvEstablished), i(s.SrvAccepted), i(s.SrvClosed),
		f(s.ConnectsPerSec), f(s.ClosesPerSec), i(s.CliRSS), i(s.SrvRSS), i(s.Messages)}
	var other int64
	known := map[string]bool{}
	for _, e := range ErrnoColumns {
		known[e] = true
		r = append(r, i(s.Errors[e]))
	}
	for e, n := range s.Errors {
		if !known[e] {
			other += n
		}
	}
	r = append(r, i(other),
		i(s.SrvInuse), i(s.SrvOrphan), i(s.SrvTW), i(s.SrvAlloc),
		i(s.CliInuse), i(s.CliOrphan), i(s.CliTW), i(s.CliAlloc),
		i(s.TCPMemPages), i(s.MemAvailable), i(s.Slab), i(s.SUnreclaim), i(s.FileNr))
	for _, n := range NstatColumns {
		r = append(r, i(s.Nstat[n]))
	}
	r = append(r, i(s.CliPSS), i(s.SrvPSS))
	ms := func(d *time.Duration) string {
		if d == nil {
			return ""
		}
		return strconv.FormatFloat(float64(*d)/1e6, 'f', 3, 64)
	}
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return f(*v)
	}
	r = append(r, ms(s.ConnectP99), ms(s.RTTP99), opt(s.MsgsAskedPerSec), opt(s.MsgsAnsweredPerSec))
	r = append(r, i(s.CliProcesses), i(s.SrvProcesses))
	r = append(r, i(s.CliReady), i(s.CliReconnecting), ms(s.HandshakeP99))
	for _, c := range []*CgroupSample{s.SrvCgroup, s.CliCgroup} {
		if c == nil {
			r = append(r, "", "", "", "")
			continue
		}
		r = append(r, i(c.Memory), i(c.Socket), i(c.OOMKills), i(c.Throttled))
	}
	return append(r, i(s.CliWindow))
}

// Table is samples.csv read back: the header and the numeric columns by name.
type Table struct {
	Header  []string
	Phases  []string             // the phase column
	Columns map[string][]float64 // every other column
	Rows    int

	dropped int  // malformed rows left out
	cut     bool // the last row had no line break (a killed run)
}

// emptyIsNaN are the columns whose empty cells mean "nothing recorded"
// and read as NaN; an empty or malformed cell elsewhere reads as 0.
var emptyIsNaN = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range LatencyColumns {
		m[c] = true
	}
	m["handshake_p99_ms"] = true
	for _, c := range CgroupColumns {
		m[c] = true
	}
	return m
}()

// ReadSamples reads a samples.csv (of any version: files written before
// LatencyColumns existed simply lack those columns), streaming, within
// bounds checked before anything is kept: at most MaxSamplesSize bytes,
// MaxSampleLine bytes a row, MaxSampleColumns columns, MaxSampleRows rows
// and MaxSampleCells cells (an error wrapping ErrOutOfBounds says which).
// A malformed row (a wrong number of fields, broken quoting, a seconds
// cell that is not a time within MaxSampleSeconds) is left out and
// counted; a last line without its newline is dropped as cut, so a file
// cut short by a killed run still gives its complete rows. A header that
// names a column twice is refused.
func ReadSamples(r io.Reader) (*Table, error) {
	return readSamples(r)
}
