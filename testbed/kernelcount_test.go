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

func TestParseStatCPU(t *testing.T) {
	line := "42 (a b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 123 0 0"
	if got := parseStatCPU([]byte(line)); got != 3.0 {
		t.Errorf("parseStatCPU = %v, want 3 (300 ticks)", got)
	}
}

func TestReadProcUsageSelf(t *testing.T) {
	u := readProcUsage(os.Getpid())
	if u.RSS <= 0 || u.FDs < 3 {
		t.Errorf("readProcUsage(self) = %+v: want RSS > 0 and at least 3 fds", u)
	}
	if z := readProcUsage(0); z != (procUsage{}) {
		t.Errorf("readProcUsage(0) = %+v, want zero", z)
	}
}

func TestLastLines(t *testing.T) {
	if got := lastLines("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("lastLines = %q", got)
	}
}
