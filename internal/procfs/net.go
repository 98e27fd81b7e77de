package procfs

import (
	"bytes"
	"strconv"
	"strings"
)

// tcpListen is the socket state LISTEN in /proc/net/tcp and tcp6 ("0A").
const tcpListen = "0A"

// ListeningPorts returns the local ports of the LISTEN sockets in a
// /proc/net/tcp or /proc/net/tcp6 file (the same columns; tcp6's local
// address is 32 hex digits before the port). A socket bound to an IPv6
// address or to [::] shows only in tcp6, so a caller waiting for a port
// reads both. It reads line by line and is cheap while a namespace holds
// few sockets (before the connections exist).
func ListeningPorts(data []byte) map[int]bool {
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

// ARPEntries counts the entries of /proc/net/arp (the lines after its
// header). ok is false for an empty file (unreadable: the header is
// always there).
func ARPEntries(data []byte) (n int64, ok bool) {
	if len(data) == 0 {
		return 0, false
	}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if i > 0 && strings.TrimSpace(line) != "" {
			n++
		}
	}
	return n, true
}
