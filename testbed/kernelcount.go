package testbed

import (
	"bytes"
	"strconv"
	"strings"
)

// tcpListen is the socket state LISTEN in /proc/net/tcp ("0A").
const tcpListen = "0A"

// listeningPorts returns the local ports of the LISTEN sockets in a
// /proc/net/tcp file. It reads line by line and is cheap while a
// namespace holds few sockets (before the connections exist).
func listeningPorts(data []byte) map[int]bool {
	ports := map[int]bool{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		f := strings.Fields(string(line))
		if i == 0 || len(f) < 4 || f[3] != tcpListen {
			continue
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
			ports[int(p)] = true
		}
	}
	return ports
}

// missingPorts lists the ports of want that are not in have.
func missingPorts(want []int, have map[int]bool) []int {
	var miss []int
	for _, p := range want {
		if !have[p] {
			miss = append(miss, p)
		}
	}
	return miss
}

// kernelTCP is what a namespace's /proc/net/snmp says of its TCP sockets.
type kernelTCP struct {
	// CurrEstab is sockets in ESTABLISHED or CLOSE_WAIT, exact and cheap.
	CurrEstab int64
	// ActiveOpens and PassiveOpens count connects and accepts since the
	// namespace was made.
	ActiveOpens, PassiveOpens int64
}

// parseSnmpTCP reads the Tcp lines of /proc/net/snmp.
func parseSnmpTCP(data []byte) kernelTCP {
	m := parseNetstat(data)
	return kernelTCP{CurrEstab: m["Tcp.CurrEstab"], ActiveOpens: m["Tcp.ActiveOpens"], PassiveOpens: m["Tcp.PassiveOpens"]}
}

// procUsage is what the role meter read of one worker's own process.
type procUsage struct {
	RSS, PSS   int64   // bytes
	CPUSeconds float64 // user + system time
	FDs        int64   // open file descriptors
}
