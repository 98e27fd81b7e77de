package testbed

import "testing"

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
