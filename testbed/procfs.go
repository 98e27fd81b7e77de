package testbed

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Sockstat is the TCP line of /proc/net/sockstat.
type Sockstat struct {
	Inuse, Orphan, TW, Alloc, Mem int64
}

// parseSockstat reads the "TCP:" line of a sockstat file.
func parseSockstat(data []byte) Sockstat {
	var s Sockstat
	for _, line := range bytes.Split(data, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("TCP:")) {
			continue
		}
		f := strings.Fields(string(line[4:]))
		for i := 0; i+1 < len(f); i += 2 {
			v, _ := strconv.ParseInt(f[i+1], 10, 64)
			switch f[i] {
			case "inuse":
				s.Inuse = v
			case "orphan":
				s.Orphan = v
			case "tw":
				s.TW = v
			case "alloc":
				s.Alloc = v
			case "mem":
				s.Mem = v
			}
		}
	}
	return s
}

// parseMeminfo returns /proc/meminfo's fields in bytes.
func parseMeminfo(data []byte) map[string]int64 {
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		if len(f) > 2 && f[2] == "kB" {
			v *= 1024
		}
		m[strings.TrimSuffix(f[0], ":")] = v
	}
	return m
}

// parseNetstat returns the counters of /proc/net/netstat or /proc/net/snmp
// as "Prefix.Name" → value (e.g. "TcpExt.ListenOverflows").
func parseNetstat(data []byte) map[string]int64 {
	m := map[string]int64{}
	lines := strings.Split(string(data), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names := strings.Fields(lines[i])
		values := strings.Fields(lines[i+1])
		if len(names) == 0 || len(names) != len(values) || names[0] != values[0] {
			continue
		}
		prefix := strings.TrimSuffix(names[0], ":")
		for j := 1; j < len(names); j++ {
			v, _ := strconv.ParseInt(values[j], 10, 64)
			m[prefix+"."+names[j]] = v
		}
	}
	return m
}

// readFile returns a file's content, or nil when it cannot be read.
func readFile(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return data
}

// readInt reads the first integer of a file (a sysctl, file-nr, …).
func readInt(path string) int64 {
	f := strings.Fields(string(readFile(path)))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseInt(f[0], 10, 64)
	return v
}
