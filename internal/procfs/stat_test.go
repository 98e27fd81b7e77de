package procfs

import (
	"errors"
	"os"
	"testing"
)

// rest is fields 4..52 of a stat line whose start time (field 22) is 4242.
const rest = " 1 1 1 0 -1 4194560 100 0 0 0 3 4 0 0 20 0 1 0 4242 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0"

func TestParseStat(t *testing.T) {
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
		{name: "stops before rss", line: "12 (sleep) S 1 1 1 0 -1 4194560 100 0 0 0 3 4 0 0 20 0 1 0 4242", state: 'S', start: 4242},
		{name: "empty", line: "", bad: true},
		{name: "no parens", line: "12 sleep S" + rest, bad: true},
		{name: "close before open", line: "12 )sleep( S" + rest, bad: true},
		{name: "truncated", line: "12 (sleep) S 1 1 1", bad: true},
		{name: "start not a number", line: "12 (sleep) S 1 1 1 0 -1 4194560 100 0 0 0 3 4 0 0 20 0 1 0 soon 1000", bad: true},
		{name: "state too long", line: "12 (sleep) SS" + rest, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ParseStat(tc.line)
			if tc.bad {
				if !errors.Is(err, ErrStatFormat) {
					t.Fatalf("ParseStat(%q) = %+v, %v; want ErrStatFormat", tc.line, st, err)
				}
				return
			}
			if err != nil || st.State != tc.state || st.Start != tc.start {
				t.Fatalf("ParseStat(%q) = %c %d, %v; want %c %d", tc.line, st.State, st.Start, err, tc.state, tc.start)
			}
		})
	}
}

// TestParseStatFields: the fields the role meter sums come from the right
// columns, counted from the last ')'.
func TestParseStatFields(t *testing.T) {
	st, err := ParseStat("12 (a) b) S" + rest)
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{Comm: "a) b", State: 'S', PPID: 1, UserTicks: 3, SystemTicks: 4, Start: 4242, RSSPages: 100}
	if st != want {
		t.Errorf("ParseStat = %+v, want %+v", st, want)
	}
}

// TestReadStatSelf: this process reads back as itself; a pid that cannot
// exist is an error that says which process.
func TestReadStatSelf(t *testing.T) {
	st, err := ReadStat(os.Getpid())
	if err != nil || st.PPID != os.Getppid() || st.Start == 0 || st.RSSPages <= 0 {
		t.Errorf("ReadStat(self) = %+v, %v; want ppid %d, a start time and resident pages", st, err, os.Getppid())
	}
	if _, err := ReadStat(1 << 30); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadStat of a pid that cannot exist = %v, want os.ErrNotExist", err)
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add("12 (sleep) S" + rest)
	f.Add("12 (a) (b) Z 9 9 9) S" + rest)
	f.Add("12 ()) D" + rest)
	f.Add("(")
	f.Fuzz(func(t *testing.T, line string) {
		if _, err := ParseStat(line); err != nil && !errors.Is(err, ErrStatFormat) {
			t.Errorf("ParseStat(%q) = %v, which does not wrap ErrStatFormat", line, err)
		}
	})
}
