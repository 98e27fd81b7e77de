package nodes

import (
	"bytes"
	"strings"
	"testing"
)

// mustLineClient makes a line client or fails the test.
func mustLineClient(t testing.TB, o ProtoOptions) clientProto {
	t.Helper()
	p, err := newLineClient(o, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mustLineServer makes a line server or fails the test.
func mustLineServer(t testing.TB) serverProto {
	t.Helper()
	p, err := newLineServer(ProtoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLineClientRequest(t *testing.T) {
	tests := []struct {
		name string
		o    ProtoOptions
		want string
	}{
		{"default", ProtoOptions{}, "PING\n"},
		{"given", ProtoOptions{Request: "stats\r\n", ReplyDelimiter: "END\r\n"}, "stats\r\n"},
		{"fixed size", ProtoOptions{Request: "\x00\x01", ReplySize: 4}, "\x00\x01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPlainWrites(t, mustLineClient(t, tt.o), tt.want)
		})
	}
}

func TestLineClientOptionsRefused(t *testing.T) {
	tests := []struct {
		name string
		o    ProtoOptions
		want string // in the error
	}{
		{"index in request", ProtoOptions{Request: "PING %d\n"}, `remove "%d"`},
		{"negative size", ProtoOptions{ReplySize: -1}, "negative"},
		{"huge size", ProtoOptions{ReplySize: 1 << 31}, "smaller"},
		{"size and delimiter", ProtoOptions{ReplySize: 4, ReplyDelimiter: "\n"}, "leave one empty"},
		{"long delimiter", ProtoOptions{ReplyDelimiter: strings.Repeat("-", 17)}, "at most 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newLineClient(tt.o, 0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestLineClientFeed(t *testing.T) {
	replies := func(n int) []string {
		var w []string
		for range n {
			w = append(w, hlReply)
		}
		return w
	}
	tooLong := []string{"garbled line-too-long", "end"}
	atLimit := strings.Repeat("a", lineMaxReply-1) + "\n"
	tests := []struct {
		name string
		o    ProtoOptions
		in   string
		want []string
	}{
		{"default", ProtoOptions{}, "PONG\n", replies(1)},
		{"pipelined", ProtoOptions{}, "PONG\nPONG\n\nPONG\nPON", replies(4)},
		{"crlf", ProtoOptions{ReplyDelimiter: "\r\n"}, "+PONG\r\n\r\r\n\n\r\r\n", replies(3)},
		{"memcached stats", ProtoOptions{ReplyDelimiter: "END\r\n"}, "STAT pid 1\r\nSTAT x ENDEND\r\nEND\r\nENEND\r\n", replies(3)},
		{"overlapping delimiter", ProtoOptions{ReplyDelimiter: "abab"}, "xabababab" + "aabaabab" + "ababab", replies(4)},
		{"http head end", ProtoOptions{ReplyDelimiter: "\r\n\r\n"}, "a\r\n\r\r\n\r\n" + "\r\n\r\n" + "b\r\n", replies(2)},
		{"self-similar", ProtoOptions{ReplyDelimiter: "aab"}, "aaab" + "aaaaab" + "ab" + "aab", replies(3)},
		{"fixed size", ProtoOptions{ReplySize: 3}, "abcdefgh\n", replies(3)},
		{"fixed size one", ProtoOptions{ReplySize: 1}, "\n\n\n", replies(3)},
		{"at the limit", ProtoOptions{}, atLimit + "x\n", replies(2)},
		{"too long", ProtoOptions{}, atLimit[:lineMaxReply-1] + "xy\n", tooLong},
		{"too long unended", ProtoOptions{}, strings.Repeat("b", lineMaxReply+10), tooLong},
		{"too long after replies", ProtoOptions{ReplyDelimiter: "\r\n"}, "ok\r\n" + strings.Repeat("\r", lineMaxReply), append(replies(1), tooLong...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLineClient(t, tt.o)
			in := []byte(tt.in)
			if len(in) > 1<<16 {
				// A byte at a time is too slow for a MiB: whole and
				// a few splits.
				for _, cuts := range [][]int{nil, {1}, {len(in) / 3, len(in) - 2}, {lineMaxReply - 1, lineMaxReply, lineMaxReply + 1}} {
					if got := feedAll(p, 0, in, cuts); strings.Join(got, "|") != strings.Join(tt.want, "|") {
						t.Errorf("cuts %v: got %q, want %q", cuts, got, tt.want)
					}
				}
				return
			}
			checkSplits(t, p, 0, in, tt.want)
		})
	}
}

func TestLineClientAllocs(t *testing.T) {
	for _, o := range []ProtoOptions{{}, {ReplyDelimiter: "\r\n\r\n"}, {ReplySize: 5}} {
		p := mustLineClient(t, o)
		c, s := &conn{state: stOpen, pb: pbReady}, &hlCountSink{}
		dst := make([]byte, 0, 64)
		reply := []byte("PONG\r\n\r\n")
		allocs := testing.AllocsPerRun(200, func() {
			dst = p.request(dst[:0], 1, 5)
			dst = p.keepalive(dst[:0])
			p.feed(c, reply[:3], s)
			p.feed(c, reply[3:], s)
		})
		if allocs != 0 {
			t.Errorf("%+v: request+feed allocate %v times, want 0", o, allocs)
		}
		if s.replies == 0 || s.other != 0 {
			t.Errorf("%+v: sink saw %d replies and %d other calls", o, s.replies, s.other)
		}
	}
}

func BenchmarkLineReply(b *testing.B) {
	for _, bc := range []struct {
		name string
		o    ProtoOptions
	}{{"lf", ProtoOptions{}}, {"crlfcrlf", ProtoOptions{ReplyDelimiter: "\r\n\r\n"}}} {
		b.Run(bc.name, func(b *testing.B) {
			p := mustLineClient(b, bc.o)
			c, s := &conn{state: stOpen, pb: pbReady}, &hlCountSink{}
			reply := []byte("+PONG a reply of some forty bytes\r\n\r\n")
			b.ReportAllocs()
			b.SetBytes(int64(len(reply)))
			for b.Loop() {
				p.feed(c, reply, s)
			}
			if s.replies == 0 || s.other != 0 {
				b.Fatalf("sink saw %d replies and %d other calls", s.replies, s.other)
			}
		})
	}
}

func FuzzClientLine(f *testing.F) {
	f.Add([]byte("PONG\nPONG\n"), uint64(1), uint8(0))
	f.Add([]byte("a\r\n\r\r\n\r\nabab"), uint64(2), uint8(1))
	f.Add([]byte("abcdefg"), uint64(3), uint8(2))
	f.Add([]byte("xabababab"), uint64(4), uint8(3))
	clients := []clientProto{
		mustLineClient(f, ProtoOptions{}),
		mustLineClient(f, ProtoOptions{ReplyDelimiter: "\r\n\r\n"}),
		mustLineClient(f, ProtoOptions{ReplySize: 3}),
		mustLineClient(f, ProtoOptions{ReplyDelimiter: "abab"}),
		mustLineClient(f, ProtoOptions{ReplyDelimiter: "aab"}),
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, which uint8) {
		splitInvariant(t, clients[int(which)%len(clients)], in, seed)
	})
}

// TestLineClientDelimiterMatch checks the streaming match against a plain
// search: the replies are the delimiter's non-overlapping occurrences.
func TestLineClientDelimiterMatch(t *testing.T) {
	for _, d := range []string{"\n", "\r\n", "abab", "aab", "aaa", "abcabd", "END\r\n"} {
		p := mustLineClient(t, ProtoOptions{ReplyDelimiter: d})
		for seed := range uint64(50) {
			var in []byte
			for i := range 200 {
				in = append(in, d[(int(seed)*7+i*i)%len(d)], "ab\r\nE"[(int(seed)+i*3)%5])
			}
			want := bytes.Count(in, []byte(d))
			s := &hlCountSink{}
			c := &conn{state: stOpen}
			for i := range in {
				p.feed(c, in[i:i+1], s)
			}
			if s.replies != want {
				t.Fatalf("delimiter %q, input %q: %d replies, want %d", d, in, s.replies, want)
			}
		}
	}
}

func TestLineServerServe(t *testing.T) {
	long := strings.Repeat("x", lineMaxRequest)
	tests := []struct {
		name string
		in   string
		n    int
		out  string
		kind string
	}{
		{"one", "PING\n", 5, "PING\n", ""},
		{"pipelined and cut", "PING\nhello world\r\n\nPI", 19, "PING\nhello world\r\n\n", ""},
		{"no line yet", "PING", 0, "", ""},
		{"at the limit", long[1:] + "\n", lineMaxRequest, long[1:] + "\n", ""},
		{"too long", long + "\n", lineMaxRequest + 1, "", "line-too-long"},
		{"too long after a line", "a\n" + long, lineMaxRequest + 2, "a\n", "line-too-long"},
	}
	sp := mustLineServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, out, kind := sp.serve(&conn{state: stOpen}, []byte(tt.in), nil)
			if n != tt.n || string(out) != tt.out || kind != tt.kind {
				t.Errorf("serve = %d %q… %q, want %d %q… %q", n, hlTrunc(out), kind, tt.n, hlTrunc([]byte(tt.out)), tt.kind)
			}
			if len(tt.in) < 1000 {
				hlServeInvariant(t, sp, []byte(tt.in), 1)
			} else {
				wantOut, wantKind := hlServePieces(t, sp, []byte(tt.in), nil)
				out, kind := hlServePieces(t, sp, []byte(tt.in), []int{1, 3, lineMaxRequest - 1, lineMaxRequest, lineMaxRequest + 1})
				if !bytes.Equal(out, wantOut) || kind != wantKind {
					t.Errorf("split served %q… %q, whole %q… %q", hlTrunc(out), kind, hlTrunc(wantOut), wantKind)
				}
			}
		})
	}
}

// hlTrunc is the start of b, for messages.
func hlTrunc(b []byte) []byte { return b[:min(len(b), 40)] }

func FuzzServerLine(f *testing.F) {
	f.Add([]byte("PING\nPING\r\n\nx"), uint64(1))
	f.Add([]byte("\n\n\n"), uint64(2))
	sp := mustLineServer(f)
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		hlServeInvariant(t, sp, in, seed)
	})
}

// TestLineRoundTrip sends the client's requests to the server and the
// server's echoes back to the client.
func TestLineRoundTrip(t *testing.T) {
	for _, o := range []ProtoOptions{{}, {Request: "hello\r\n", ReplyDelimiter: "\r\n"}, {Request: "abc\n", ReplySize: 4}} {
		cp, sp := mustLineClient(t, o), mustLineServer(t)
		var wire []byte
		for i := range 3 {
			wire = cp.request(wire, uint64(i), 5)
		}
		wire = cp.keepalive(wire)
		out, kind := hlServePieces(t, sp, wire, []int{2, 9})
		if kind != "" {
			t.Fatalf("%+v: server kind %q", o, kind)
		}
		checkSplits(t, cp, 0, out, []string{hlReply, hlReply, hlReply, hlReply})
	}
}
