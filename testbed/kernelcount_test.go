package testbed

import (
	"os"
	"testing"
)

func TestListeningPorts(t *testing.T) {
	data := []byte(`  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 011212C6:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000 100 0 0 10 0
   1: 011212C6:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000 100 0 0 10 0
   2: 011212C6:1F42 021212C6:8000 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000 100 0 0 10 0
`)
	got := listeningPorts(data)
	if !got[8000] || !got[8001] || got[8002] || len(got) != 2 {
		t.Errorf("listeningPorts = %v, want 8000 and 8001 only", got)
	}
	if miss := missingPorts([]int{8000, 8002}, got); len(miss) != 1 || miss[0] != 8002 {
		t.Errorf("missingPorts = %v, want [8002]", miss)
	}
}

func TestParseSnmpTCP(t *testing.T) {
	data := []byte("Ip: Forwarding DefaultTTL\nIp: 2 64\nTcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs\nTcp: 1 200 120000 -1 40 7 0 0 12 900\n")
	if got := parseSnmpTCP(data); got != (kernelTCP{CurrEstab: 12, ActiveOpens: 40, PassiveOpens: 7}) {
		t.Errorf("parseSnmpTCP = %+v", got)
	}
}

// TestCountFDsSelf: the fd count of this process matches a listing of
// its /proc/self/fd, and a process that cannot exist has none.
func TestCountFDsSelf(t *testing.T) {
	names, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	got := countFDs(os.Getpid())
	if got < 3 || got > int64(len(names))+1 || got < int64(len(names))-1 {
		t.Errorf("countFDs(self) = %d; /proc/self/fd lists %d", got, len(names))
	}
	if n := countFDs(1 << 30); n != 0 {
		t.Errorf("countFDs of a pid that cannot exist = %d", n)
	}
}

func TestLastLines(t *testing.T) {
	if got := lastLines("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("lastLines = %q", got)
	}
}
