package procfs

import (
	"maps"
	"testing"
)

const tcpText = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 011212C6:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000 100 0 0 10 0
   1: 011212C6:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000 100 0 0 10 0
   2: 011212C6:1F42 021212C6:8000 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000 100 0 0 10 0
`

// tcp6Text: a listener on [::]:8000, one on [2001:2::1]:8002 and an
// established connection from local port 0x8000.
const tcp6Text = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000 100 0 0 10 0
   1: 00000220000000000000000001000000:1F42 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000 100 0 0 10 0
   2: 00000220000000000000000002000000:8000 00000220000000000000000001000000:1F40 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000 100 0 0 10 0
`

const arpText = "IP address       HW type     Flags       HW address            Mask     Device\n10.0.0.1 0x1 0x2 aa:bb:cc:dd:ee:ff * eth0\n10.0.0.2 0x1 0x2 aa:bb:cc:dd:ee:fe * eth0\n"

func TestListeningPorts(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[int]bool
	}{
		{"two listening, one established", tcpText, map[int]bool{8000: true, 8001: true}},
		{"tcp6: [::] and 2001:2::1 listening, one established", tcp6Text, map[int]bool{8000: true, 8002: true}},
		{"header only", "  sl  local_address rem_address   st\n", map[int]bool{}},
		{"no colon in address", "h\n 0: 011212C6 00000000:0000 0A\n", map[int]bool{}},
		{"port beyond 16 bits", "h\n 0: 011212C6:1FFFF 00000000:0000 0A\n", map[int]bool{}},
		{"short line", "h\n 0: 011212C6:1F40\n", map[int]bool{}},
		{"empty", "", map[int]bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ListeningPorts([]byte(tc.in)); !maps.Equal(got, tc.want) {
				t.Errorf("ListeningPorts = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestARPEntries(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int64
		ok       bool
	}{
		{"two entries", arpText, 2, true},
		{"blank lines skipped", arpText + "\n  \n", 2, true},
		{"header only", "IP address       HW type\n", 0, true},
		{"unreadable", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n, ok := ARPEntries([]byte(tc.in)); n != tc.want || ok != tc.ok {
				t.Errorf("ARPEntries = %d, %v; want %d, %v", n, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzListeningPorts(f *testing.F) {
	f.Add([]byte(tcpText))
	f.Add([]byte(tcp6Text))
	f.Fuzz(func(t *testing.T, data []byte) {
		for p := range ListeningPorts(data) {
			if p < 0 || p > 65535 {
				t.Errorf("ListeningPorts gave port %d", p)
			}
		}
	})
}

func FuzzARPEntries(f *testing.F) {
	f.Add([]byte(arpText))
	f.Fuzz(func(t *testing.T, data []byte) {
		if n, ok := ARPEntries(data); n < 0 || ok != (len(data) > 0) {
			t.Errorf("ARPEntries = %d, %v", n, ok)
		}
	})
}
