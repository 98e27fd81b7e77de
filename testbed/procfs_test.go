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
