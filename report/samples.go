package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
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

	SrvInuse, SrvOrphan, SrvTW, SrvAlloc int64 // server namespace /proc/net/sockstat TCP
	CliInuse, CliOrphan, CliTW, CliAlloc int64 // summed over client namespaces

	TCPMemPages  int64 // host-wide TCP memory (sockstat "mem"), pages
	MemAvailable int64 // bytes
	Slab         int64 // bytes
	SUnreclaim   int64 // bytes
	FileNr       int64 // allocated file handles (fs.file-nr first field)

	Nstat map[string]int64 // cumulative TcpExt counters since the run started

	// CliPSS and SrvPSS are the proportional set size of all workers of a
	// role (/proc/<pid>/smaps_rollup): shared pages such as the program's
	// text are counted once over all workers, unlike RSS.
	CliPSS, SrvPSS int64
}

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
	return append(h, "cli_pss", "srv_pss")
}

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
	return append(r, i(s.CliPSS), i(s.SrvPSS))
}

// Table is samples.csv read back: the header and the numeric columns by name.
type Table struct {
	Header  []string
	Phases  []string             // the phase column
	Columns map[string][]float64 // every other column
	Rows    int
}

// ReadSamples reads a samples.csv. Reading stops at the first malformed
// line, so a file cut short by a killed run still gives its complete rows;
// a last line without its newline is dropped as cut.
func ReadSamples(r io.Reader) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("failed to read samples: %w", err)
	}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 && i < len(data)-1 {
		data = data[:i+1]
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("samples file has no header: %w", err)
	}
	t := &Table{Header: header, Columns: map[string][]float64{}}
	for {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		if len(rec) != len(t.Header) {
			continue
		}
		for j, name := range t.Header {
			if name == "phase" {
				t.Phases = append(t.Phases, rec[j])
				continue
			}
			v, _ := strconv.ParseFloat(rec[j], 64)
			t.Columns[name] = append(t.Columns[name], v)
		}
		t.Rows++
	}
	return t, nil
}
