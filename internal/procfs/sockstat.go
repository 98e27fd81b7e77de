package procfs

import (
	"bytes"
	"strconv"
	"strings"
)

// Sockstat is the TCP line of /proc/net/sockstat.
type Sockstat struct {
	Inuse, Orphan, TW, Alloc, Mem int64
}

// ParseSockstat reads the "TCP:" line of a /proc/net/sockstat file; a
// field it cannot read is 0.
func ParseSockstat(data []byte) Sockstat {
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

// SockstatField finds "name value" on the first line of a
// /proc/net/sockstat file that starts with proto ("TCP:", "UDP:"). ok is
// false when there is no such line or field, or its value is not an
// integer.
func SockstatField(data []byte, proto, name string) (v int64, ok bool) {
	for _, line := range bytes.Split(data, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte(proto))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		for i := 0; i+1 < len(f); i += 2 {
			if f[i] == name {
				v, err := strconv.ParseInt(f[i+1], 10, 64)
				return v, err == nil
			}
		}
	}
	return 0, false
}
