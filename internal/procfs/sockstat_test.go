package procfs

import "testing"

const sockstatText = "sockets: used 9\nTCP: inuse 3 orphan 2 tw 1 alloc 4 mem 77\nUDP: inuse 1 mem 5\n"

func TestParseSockstat(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Sockstat
	}{
		{"full", "sockets: used 123\nTCP: inuse 10 orphan 2 tw 3 alloc 11 mem 7\nUDP: inuse 1 mem 0\n", Sockstat{Inuse: 10, Orphan: 2, TW: 3, Alloc: 11, Mem: 7}},
		{"no TCP line", "sockets: used 1\nUDP: inuse 1 mem 0\n", Sockstat{}},
		{"empty", "", Sockstat{}},
		{"odd field count", "TCP: inuse 4 orphan\n", Sockstat{Inuse: 4}},
		{"not a number", "TCP: inuse x mem 9\n", Sockstat{Mem: 9}},
		{"unknown field", "TCP: inuse 1 later 8 mem 2\n", Sockstat{Inuse: 1, Mem: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseSockstat([]byte(tc.in)); got != tc.want {
				t.Errorf("ParseSockstat(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSockstatField(t *testing.T) {
	for _, tc := range []struct {
		in, proto, name string
		want            int64
		ok              bool
	}{
		{sockstatText, "TCP:", "mem", 77, true},
		{sockstatText, "TCP:", "orphan", 2, true},
		{sockstatText, "UDP:", "mem", 5, true},
		{sockstatText, "UDP:", "orphan", 0, false},
		{sockstatText, "RAW:", "inuse", 0, false},
		{"TCP: mem x\n", "TCP:", "mem", 0, false},
		{"", "TCP:", "mem", 0, false},
	} {
		if got, ok := SockstatField([]byte(tc.in), tc.proto, tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("SockstatField(%q, %s %s) = %d, %v; want %d, %v", tc.in, tc.proto, tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseSockstat(f *testing.F) {
	f.Add([]byte(sockstatText))
	f.Add([]byte("TCP:"))
	f.Add([]byte("TCP: inuse"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseSockstat(data)
	})
}

func FuzzSockstatField(f *testing.F) {
	f.Add([]byte(sockstatText), "TCP:", "mem")
	f.Add([]byte("UDP: mem"), "UDP:", "mem")
	f.Fuzz(func(t *testing.T, data []byte, proto, name string) {
		if v, ok := SockstatField(data, proto, name); !ok && v != 0 && v != 1<<63-1 && v != -1<<63 {
			t.Errorf("SockstatField = %d, false: a failed read gives 0 or a bound", v)
		}
	})
}
