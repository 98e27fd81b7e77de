package testbed

import "testing"

func TestParseSockstat(t *testing.T) {
	in := []byte("sockets: used 123\nTCP: inuse 10 orphan 2 tw 3 alloc 11 mem 7\nUDP: inuse 1 mem 0\n")
	got := parseSockstat(in)
	want := Sockstat{Inuse: 10, Orphan: 2, TW: 3, Alloc: 11, Mem: 7}
	if got != want {
		t.Fatalf("parseSockstat = %+v, want %+v", got, want)
	}
}

func TestParseMeminfo(t *testing.T) {
	m := parseMeminfo([]byte("MemTotal:       24000000 kB\nMemAvailable:   1000 kB\nHugePages_Total:       0\n"))
	if m["MemTotal"] != 24000000*1024 || m["MemAvailable"] != 1000*1024 || m["HugePages_Total"] != 0 {
		t.Fatalf("parseMeminfo = %v", m)
	}
}

func TestParseNetstat(t *testing.T) {
	in := []byte("TcpExt: SyncookiesSent ListenOverflows\nTcpExt: 1 42\nIpExt: InNoRoutes\nIpExt: 5\n")
	m := parseNetstat(in)
	if m["TcpExt.ListenOverflows"] != 42 || m["TcpExt.SyncookiesSent"] != 1 || m["IpExt.InNoRoutes"] != 5 {
		t.Fatalf("parseNetstat = %v", m)
	}
}

func TestKernelLogMatch(t *testing.T) {
	k := &kernelLog{counts: map[string]int64{}}
	for _, rec := range []string{
		"4,1001,5000,-;TCP: out of memory -- consider tuning tcp_mem\n",
		"6,1002,5001,-;eth0: link up\n",
		"4,1003,5002,-;nf_conntrack: nf_conntrack: table full, dropping packet\n",
		"4,1004,5003,-;TCP: out of memory -- consider tuning tcp_mem\n",
	} {
		k.match(kmsgText(rec))
	}
	counts, lines := k.result()
	if counts["TCP: out of memory"] != 2 || counts["nf_conntrack: table full"] != 1 || len(lines) != 3 {
		t.Fatalf("counts = %v, lines = %q", counts, lines)
	}
	if lines[0] != "TCP: out of memory -- consider tuning tcp_mem" {
		t.Errorf("line = %q", lines[0])
	}
}
