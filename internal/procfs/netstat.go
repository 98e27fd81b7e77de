package procfs

import (
	"strconv"
	"strings"
)

// ParseNetstat returns the counters of /proc/net/netstat or /proc/net/snmp
// as "Prefix.Name" → value (e.g. "TcpExt.ListenOverflows"). Each pair of
// lines is a header of names and a line of values with the same prefix; a
// pair that does not match is skipped.
func ParseNetstat(data []byte) map[string]int64 {
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

// SnmpTCP is what a namespace's /proc/net/snmp says of its TCP sockets.
type SnmpTCP struct {
	// CurrEstab is sockets in ESTABLISHED or CLOSE_WAIT, exact and cheap.
	CurrEstab int64
	// ActiveOpens and PassiveOpens count connects and accepts since the
	// namespace was made.
	ActiveOpens, PassiveOpens int64
}

// ParseSnmpTCP reads the Tcp lines of /proc/net/snmp.
func ParseSnmpTCP(data []byte) SnmpTCP {
	m := ParseNetstat(data)
	return SnmpTCP{CurrEstab: m["Tcp.CurrEstab"], ActiveOpens: m["Tcp.ActiveOpens"], PassiveOpens: m["Tcp.PassiveOpens"]}
}
