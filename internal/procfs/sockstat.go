package procfs

import (
	"bytes"
	"strconv"
	"strings"
)

// Sockstat is the TCP line of /proc/net/sockstat. The kernel's inuse
// there counts IPv4 TCP sockets only (tcp_prot); IPv6 ones are the
// "TCP6: inuse" of /proc/net/sockstat6 (ParseSockstat6). orphan, tw,
// alloc and mem are shared by both families: tcpv6_prot uses tcp_prot's
// orphan, sockets-allocated and memory counters, and both families'
// TIME_WAIT sockets share the namespace's tcp_death_row, so these need no
// IPv6 counterpart.
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

// ParseSockstat6 reads the in-use count of the "TCP6:" line of a
// /proc/net/sockstat6 file (the namespace's IPv6 TCP sockets: listeners,
// connections and closing sockets, not TIME_WAIT); 0 when there is none
// or it cannot be read (a kernel without IPv6 has no such file).
func ParseSockstat6(data []byte) int64 {
	v, _ := SockstatField(data, "TCP6:", "inuse")
	return v
}

// ParseSockstatBoth reads a namespace's TCP sockets of both families: the
// TCP line of its /proc/net/sockstat (v4) with Inuse plus the "TCP6:
// inuse" of its /proc/net/sockstat6 (v6, nil or empty without IPv6). The
// other fields are sockstat's, which already count both families.
func ParseSockstatBoth(v4, v6 []byte) Sockstat {
	s := ParseSockstat(v4)
	s.Inuse += ParseSockstat6(v6)
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
