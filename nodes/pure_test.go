package nodes

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestMessageAppend(t *testing.T) {
	for _, tc := range []struct {
		tmpl  string
		index int64
		want  string
	}{
		{"hello %d\n", 7, "hello 7\n"},
		{"%d\n", 1000042, "1000042\n"},
		{"no index\n", 3, "no index\n"},
		{"a %d b %d\n", 5, "a 5 b %d\n"}, // only the first %d
		{"", 1, ""},
	} {
		m := parseMessage(tc.tmpl)
		if got := string(m.appendTo(nil, tc.index)); got != tc.want {
			t.Errorf("%q with %d: got %q, want %q", tc.tmpl, tc.index, got, tc.want)
		}
		if m.empty() != (tc.tmpl == "") {
			t.Errorf("%q: empty() = %v", tc.tmpl, m.empty())
		}
	}
}

func TestBucketTakeWait(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		rate  int
		at    time.Duration // when to try, after reset at 0
		takes int           // tokens available then
	}{
		{"unlimited", 0, 0, 1000},
		{"first token at once", 100, 0, 1},
		{"100/s after 10ms", 100, 10 * ms, 2},
		{"burst capped at 20ms worth", 1000, time.Second, 20},
		{"slow rate burst at least one", 1, 10 * time.Second, 1},
	} {
		var b bucket
		b.reset(tc.rate, 0)
		n := 0
		for n < 1000 && b.take(tc.at) {
			n++
		}
		if n != tc.takes {
			t.Errorf("%s: took %d tokens, want %d", tc.name, n, tc.takes)
		}
		if tc.rate > 0 {
			if w := b.wait(tc.at); w <= 0 || w > time.Second/time.Duration(tc.rate) {
				t.Errorf("%s: wait %v after the bucket is empty", tc.name, w)
			}
		}
	}
}

func TestErrCountsSnapshot(t *testing.T) {
	var e errCounts
	e.add(unix.EMFILE)
	e.add(unix.EMFILE)
	e.add(fmt.Errorf("failed to connect: %w", unix.ECONNREFUSED))
	e.add(errors.New("not an errno"))
	e.addName("echo-short")
	got := e.snapshot()
	want := map[string]int64{"EMFILE": 2, "ECONNREFUSED": 1, "other": 1, "echo-short": 1}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %d, want %d", k, got[k], v)
		}
	}
	var empty errCounts
	if empty.snapshot() != nil {
		t.Error("no errors should give a nil map (omitted from the stats line)")
	}
}

func TestCountNewlines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{{"", 0}, {"a", 0}, {"a\n", 1}, {"a\nb\nc", 2}, {"\n\n\n", 3}} {
		if got := countNewlines([]byte(tc.in)); got != tc.want {
			t.Errorf("%q: got %d, want %d", tc.in, got, tc.want)
		}
	}
}
