package topology

import (
	"errors"
	"os"
	"testing"
)

// rest is fields 4..52 of a stat line whose start time (field 22) is 4242.
const rest = " 1 1 1 0 -1 4194560 100 0 0 0 3 4 0 0 20 0 1 0 4242 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0"

func TestProcStatParse(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		state      byte
		start      uint64
		bad        bool
	}{
		{name: "plain", line: "12 (sleep) S" + rest, state: 'S', start: 4242},
		{name: "space in comm", line: "12 (tmux: server) R" + rest, state: 'R', start: 4242},
		{name: "parens in comm", line: "12 (a) (b) Z 9 9 9) S" + rest, state: 'S', start: 4242},
		{name: "comm is a close paren", line: "12 ()) D" + rest, state: 'D', start: 4242},
		{name: "newline in comm", line: "12 (x\ny) T" + rest, state: 'T', start: 4242},
		{name: "zombie", line: "12 (defunct) Z" + rest + "\n", state: 'Z', start: 4242},
		{name: "comm with digits and spaces", line: "12 (1 2 3 4 5) S" + rest, state: 'S', start: 4242},
		{name: "empty", line: "", bad: true},
		{name: "no parens", line: "12 sleep S" + rest, bad: true},
		{name: "close before open", line: "12 )sleep( S" + rest, bad: true},
		{name: "truncated", line: "12 (sleep) S 1 1 1", bad: true},
		{name: "start not a number", line: "12 (sleep) S 1 1 1 0 -1 4194560 100 0 0 0 3 4 0 0 20 0 1 0 soon 1000", bad: true},
		{name: "state too long", line: "12 (sleep) SS" + rest, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := parseProcStat(tc.line)
			if tc.bad {
				if !errors.Is(err, errStatFormat) {
					t.Fatalf("parseProcStat(%q) = %+v, %v; want errStatFormat", tc.line, st, err)
				}
				return
			}
			if err != nil || st.State != tc.state || st.Start != tc.start {
				t.Fatalf("parseProcStat(%q) = %c %d, %v; want %c %d", tc.line, st.State, st.Start, err, tc.state, tc.start)
			}
		})
	}
}

// TestProcessAliveSelf: this process is alive under its own start time, not
// under another, and a pid that cannot exist is not alive.
func TestProcessAliveSelf(t *testing.T) {
	start, err := ProcessStart(os.Getpid())
	if err != nil || start == 0 {
		t.Fatalf("ProcessStart(self) = %d, %v", start, err)
	}
	if !ProcessAlive(os.Getpid(), start) || !ProcessAlive(os.Getpid(), 0) {
		t.Errorf("ProcessAlive(self) = false")
	}
	if ProcessAlive(os.Getpid(), start+1) {
		t.Errorf("ProcessAlive(self, other start) = true: pid reuse would go unnoticed")
	}
	for _, pid := range []int{0, -1, 1 << 30} {
		if ProcessAlive(pid, 0) {
			t.Errorf("ProcessAlive(%d) = true", pid)
		}
	}
}
