package testbed

import (
	"bytes"
	"strconv"
	"strings"
)

// hostInUse maps each [host] key that has an amount in use
// (scenarios.HostInUseKeys) to how testbed reads that amount from the
// host now; ProbeEnv fills scenarios.Env.HostInUse with it. Every key of
// HostInUseKeys must be here (TestHostInUseCoversEveryKey).
var hostInUse = map[string]func() (int64, bool){
	"fs.file-max":                       func() (int64, bool) { return firstField("/proc/sys/fs/file-nr") },
	"net.ipv4.tcp_mem":                  func() (int64, bool) { return sockstatField(readFile("/proc/net/sockstat"), "TCP:", "mem") },
	"net.ipv4.udp_mem":                  func() (int64, bool) { return sockstatField(readFile("/proc/net/sockstat"), "UDP:", "mem") },
	"net.ipv4.tcp_max_orphans":          func() (int64, bool) { return sockstatField(readFile("/proc/net/sockstat"), "TCP:", "orphan") },
	"net.netfilter.nf_conntrack_max":    func() (int64, bool) { return firstField("/proc/sys/net/netfilter/nf_conntrack_count") },
	"net.nf_conntrack_max":              func() (int64, bool) { return firstField("/proc/sys/net/netfilter/nf_conntrack_count") },
	"net.ipv4.neigh.default.gc_thresh3": func() (int64, bool) { return arpEntries(readFile("/proc/net/arp")) },
}

// readHostInUse reads every amount of hostInUse that the host has (a
// missing file, such as conntrack's without the module, is left out).
func readHostInUse() map[string]int64 {
	m := map[string]int64{}
	for k, read := range hostInUse {
		if v, ok := read(); ok {
			m[k] = v
		}
	}
	return m
}

// firstField reads the first number of a /proc file.
func firstField(path string) (int64, bool) {
	f := strings.Fields(string(readFile(path)))
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseInt(f[0], 10, 64)
	return v, err == nil
}

// sockstatField finds "NAME value" on the line of /proc/net/sockstat that
// starts with proto ("TCP:", "UDP:").
func sockstatField(data []byte, proto, name string) (int64, bool) {
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

// arpEntries counts the entries of /proc/net/arp (the lines after its header).
func arpEntries(data []byte) (int64, bool) {
	if len(data) == 0 {
		return 0, false
	}
	n := int64(0)
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if i > 0 && strings.TrimSpace(line) != "" {
			n++
		}
	}
	return n, true
}
