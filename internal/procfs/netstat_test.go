package procfs

import "testing"

const snmpText = "Ip: Forwarding DefaultTTL\nIp: 2 64\nTcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs\nTcp: 1 200 120000 -1 40 7 0 0 12 900\n"

func TestParseNetstat(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]int64
	}{
		{"netstat", "TcpExt: SyncookiesSent ListenOverflows\nTcpExt: 1 42\nIpExt: InNoRoutes\nIpExt: 5\n",
			map[string]int64{"TcpExt.SyncookiesSent": 1, "TcpExt.ListenOverflows": 42, "IpExt.InNoRoutes": 5}},
		{"negative", "Tcp: MaxConn\nTcp: -1\n", map[string]int64{"Tcp.MaxConn": -1}},
		{"count mismatch skipped", "TcpExt: A B\nTcpExt: 1\nIpExt: C\nIpExt: 3\n", map[string]int64{"IpExt.C": 3}},
		{"prefix mismatch skipped", "TcpExt: A\nIpExt: 1\n", map[string]int64{}},
		{"header without values", "TcpExt: A\n", map[string]int64{}},
		{"empty", "", map[string]int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseNetstat([]byte(tc.in))
			if len(got) != len(tc.want) {
				t.Fatalf("ParseNetstat(%q) = %v, want %v", tc.in, got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("ParseNetstat(%q)[%s] = %d, want %d", tc.in, k, got[k], v)
				}
			}
		})
	}
}

func TestParseSnmpTCP(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     SnmpTCP
	}{
		{"snmp", snmpText, SnmpTCP{CurrEstab: 12, ActiveOpens: 40, PassiveOpens: 7}},
		{"no Tcp lines", "Ip: Forwarding\nIp: 2\n", SnmpTCP{}},
		{"empty", "", SnmpTCP{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseSnmpTCP([]byte(tc.in)); got != tc.want {
				t.Errorf("ParseSnmpTCP = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseNetstat(f *testing.F) {
	f.Add([]byte("TcpExt: SyncookiesSent ListenOverflows\nTcpExt: 1 42\n"))
	f.Add([]byte(snmpText))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseNetstat(data)
	})
}

func FuzzParseSnmpTCP(f *testing.F) {
	f.Add([]byte(snmpText))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseSnmpTCP(data)
	})
}
