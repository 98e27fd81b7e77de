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

const sockstat6Text = "TCP6: inuse 5\nUDP6: inuse 1\nUDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n"

func TestParseSockstat6(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int64
	}{
		{"kernel's layout", sockstat6Text, 5},
		{"no TCP6 line", "UDP6: inuse 1\n", 0},
		{"IPv4 file", sockstatText, 0},
		{"empty (no IPv6)", "", 0},
		{"not a number", "TCP6: inuse x\n", 0},
		{"no value", "TCP6: inuse\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseSockstat6([]byte(tc.in)); got != tc.want {
				t.Errorf("ParseSockstat6(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseSockstatBoth(t *testing.T) {
	for _, tc := range []struct {
		name, v4, v6 string
		want         Sockstat
	}{
		{"both families", sockstatText, sockstat6Text, Sockstat{Inuse: 3 + 5, Orphan: 2, TW: 1, Alloc: 4, Mem: 77}},
		{"no IPv6 (no sockstat6)", sockstatText, "", Sockstat{Inuse: 3, Orphan: 2, TW: 1, Alloc: 4, Mem: 77}},
		{"IPv6 only in use", "TCP: inuse 0 orphan 0 tw 0 alloc 9 mem 3\n", "TCP6: inuse 9\n", Sockstat{Inuse: 9, Alloc: 9, Mem: 3}},
		{"unreadable sockstat", "", sockstat6Text, Sockstat{Inuse: 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseSockstatBoth([]byte(tc.v4), []byte(tc.v6)); got != tc.want {
				t.Errorf("ParseSockstatBoth = %+v, want %+v", got, tc.want)
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

func FuzzParseSockstat6(f *testing.F) {
	f.Add([]byte(sockstat6Text))
	f.Add([]byte("TCP6:"))
	f.Add([]byte("TCP6: inuse -1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseSockstat6(data)
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
