package verdict

import (
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

func TestEvaluateExpectations(t *testing.T) {
	sum := results.Summary{PeakEstablished: 28232, UserBytesPerConn: 33092, ServerSyscallsPerConn: 4.2, Errors: map[string]int64{"EADDRNOTAVAIL": 11768},
		KernelMessages: map[string]int64{"TCP: out of memory": 3}}
	phases := []results.Phase{{Name: "3-close", Kind: scenarios.PhaseClose, Seconds: 4.2, Outcome: "done"}}
	counters := map[string]int64{"TCPTimeWaitOverflow": 5}
	tests := []struct {
		name   string
		expect scenarios.Expect
		held   []bool
	}{
		{"min established held", scenarios.Expect{MinEstablished: 28000}, []bool{true}},
		{"min established failed", scenarios.Expect{MinEstablished: 40000}, []bool{false}},
		{"max established", scenarios.Expect{MaxEstablished: 28232}, []bool{true}},
		{"error present", scenarios.Expect{ErrorsPresent: []string{"EADDRNOTAVAIL", "EMFILE"}}, []bool{true, false}},
		{"error absent", scenarios.Expect{ErrorsAbsent: []string{"EMFILE", "EADDRNOTAVAIL"}}, []bool{true, false}},
		{"no errors at all", scenarios.Expect{ErrorsAbsent: []string{"*"}}, []bool{false}},
		{"close within", scenarios.Expect{CloseWithin: 5 * time.Second}, []bool{true}},
		{"close too slow", scenarios.Expect{CloseWithin: 4 * time.Second}, []bool{false}},
		{"counters", scenarios.Expect{Counters: map[string]int64{"TCPTimeWaitOverflow": 1, "ListenDrops": 1}}, []bool{false, true}},
		{"no node killed", scenarios.Expect{NoNodeKilled: true}, []bool{true}},
		{"counters max", scenarios.Expect{CountersMax: map[string]int64{"TCPTimeWaitOverflow": 5, "ListenDrops": 0}}, []bool{true, true}},
		{"counters max failed", scenarios.Expect{CountersMax: map[string]int64{"TCPTimeWaitOverflow": 4}}, []bool{false}},
		{"user bytes floor", scenarios.Expect{MinUserBytesPerConn: 32 << 10}, []bool{true}},
		{"user bytes ceiling", scenarios.Expect{MaxUserBytesPerConn: 4 << 10}, []bool{false}},
		{"server system calls floor", scenarios.Expect{MinServerSyscallsPerConn: 4}, []bool{true}},
		{"server system calls floor missed", scenarios.Expect{MinServerSyscallsPerConn: 5}, []bool{false}},
		{"server system calls ceiling", scenarios.Expect{MaxServerSyscallsPerConn: 3}, []bool{false}},
		{"server system calls within", scenarios.Expect{MinServerSyscallsPerConn: 4, MaxServerSyscallsPerConn: 5}, []bool{true, true}},
		{"kernel log", scenarios.Expect{KernelLog: []string{"TCP: out of memory", "nf_conntrack: table full"}}, []bool{true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := counts(tc.expect, sum, phases, counters)
			if len(got) != len(tc.held) {
				t.Fatalf("got %d expectations %+v, want %d", len(got), got, len(tc.held))
			}
			for i, e := range got {
				if e.Held != tc.held[i] {
					t.Errorf("%s: held = %v, want %v (%+v)", e.Name, e.Held, tc.held[i], e)
				}
			}
		})
	}
}
