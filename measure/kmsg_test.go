package measure

import (
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func TestKernelLogMatch(t *testing.T) {
	k := &KernelLog{counts: map[string]int64{}}
	for _, rec := range []string{
		"4,1001,5000,-;TCP: out of memory -- consider tuning tcp_mem\n",
		"6,1002,5001,-;eth0: link up\n",
		"4,1003,5002,-;nf_conntrack: nf_conntrack: table full, dropping packet\n",
		"4,1004,5003,-;TCP: out of memory -- consider tuning tcp_mem\n",
	} {
		k.match(kmsgText(rec))
	}
	counts, lines := k.Result()
	if counts["TCP: out of memory"] != 2 || counts["nf_conntrack: table full"] != 1 || len(lines) != 3 {
		t.Fatalf("counts = %v, lines = %q", counts, lines)
	}
	if lines[0] != "TCP: out of memory -- consider tuning tcp_mem" {
		t.Errorf("line = %q", lines[0])
	}
}

// TestKernelLogNeighbourOverflow: one pattern counts the overflow of
// either family's table, as the kernel names them (tbl->id).
func TestKernelLogNeighbourOverflow(t *testing.T) {
	k := &KernelLog{counts: map[string]int64{}}
	for _, rec := range []string{
		"6,2001,6000,-;arp_cache: neighbor table overflow!\n",
		"6,2002,6001,-;ndisc_cache: neighbor table overflow!\n",
		"6,2003,6002,-;ndisc_cache: neighbor table overflow!\n",
	} {
		k.match(kmsgText(rec))
	}
	counts, lines := k.Result()
	if counts["neighbor table overflow"] != 3 || len(lines) != 3 || lines[1] != "ndisc_cache: neighbor table overflow!" {
		t.Errorf("counts = %v, lines = %q; want 3 overflows, IPv6's kept as written", counts, lines)
	}
}

// TestKernelPatternsCoverScenarios: every message a scenario may expect
// (scenarios.KernelMessages) is one the run watches.
func TestKernelPatternsCoverScenarios(t *testing.T) {
	for m := range scenarios.KernelMessages {
		found := false
		for _, p := range kernelPatterns {
			found = found || p == m
		}
		if !found {
			t.Errorf("scenarios.KernelMessages has %q but kernelPatterns does not watch it", m)
		}
	}
}
