package nodes

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// redisStampT is the intended time of the stamps in these tests; its tick
// is what a timed reply reports.
const redisStampT = uint64(0x0000_0123_4567_89ab)

// redisBulk is v as a RESP bulk string.
func redisBulk(v []byte) []byte {
	return fmt.Appendf(nil, "$%d\r\n%s\r\n", len(v), v)
}

// redisBeat and redisKeep are the replies to a timed request (intended at
// redisStampT) and to a keep-alive.
var (
	redisBeat = redisBulk(appendStamp(nil, redisStampT, markBeat))
	redisKeep = redisBulk(appendStamp(nil, 0, markKeep))
)

// redisWantBeat is the call a redisBeat makes.
var redisWantBeat = fmt.Sprintf("reply stamp=%d echoed=true timed=true", tick(redisStampT))

const redisWantKeep = "reply stamp=0 echoed=true timed=false"

// kvCat joins byte slices.
func kvCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestRedisClientRequests(t *testing.T) {
	p, err := newRedisClient(ProtoOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.hello(nil, 3, 9); len(got) != 0 {
		t.Errorf("hello = %q, want nothing", got)
	}
	want := "*2\r\n$4\r\nPING\r\n$16\r\n" + string(appendStamp(nil, redisStampT, markBeat)) + "\r\n"
	if got := p.request(nil, redisStampT, 9); string(got) != want {
		t.Errorf("request = %q, want %q", got, want)
	}
	want = "*2\r\n$4\r\nPING\r\n$16\r\n" + string(appendStamp(nil, 0, markKeep)) + "\r\n"
	if got := p.keepalive(nil); string(got) != want {
		t.Errorf("keepalive = %q, want %q", got, want)
	}
	if got := p.pong(nil, []byte("x")); len(got) != 0 {
		t.Errorf("pong = %q, want nothing", got)
	}
	if !p.echoes() {
		t.Error("echoes = false")
	}
}

func TestNewRedisClientOptions(t *testing.T) {
	for _, req := range []string{"", "ping"} {
		if _, err := newRedisClient(ProtoOptions{Request: req}, 0); err != nil {
			t.Errorf("request %q: %v", req, err)
		}
	}
	_, err := newRedisClient(ProtoOptions{Request: "echo"}, 0)
	if err == nil || !strings.Contains(err.Error(), `"ping"`) {
		t.Errorf("request echo: err = %v, want one that names \"ping\"", err)
	}
	if _, err := newRedisServer(ProtoOptions{}); err != nil {
		t.Error(err)
	}
}

func TestRedisClientFeed(t *testing.T) {
	long := bytes.Repeat([]byte("a"), redisMaxLine)
	bigBody := bytes.Repeat([]byte("\r\n$*"), 20000)
	notOurs := []byte("0123456789abcdef")
	pubsub := kvCat([]byte("*3\r\n"), redisBulk([]byte("message")), redisBulk([]byte("ch")), redisBeat)
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"timed reply", redisBeat, []string{redisWantBeat}},
		{"keep-alive reply", redisKeep, []string{redisWantKeep}},
		{"pipelined", kvCat(redisBeat, redisKeep, redisBeat), []string{redisWantBeat, redisWantKeep, redisWantBeat}},
		{"16 bytes not ours", redisBulk(notOurs), []string{"push"}},
		{"other bulk", redisBulk([]byte("hello")), []string{"push"}},
		{"empty bulk", []byte("$0\r\n\r\n"), []string{"push"}},
		{"big bulk skipped", kvCat(redisBulk(bigBody), redisBeat), []string{"push", redisWantBeat}},
		{"simple, integer, nulls", []byte("+PONG\r\n:42\r\n$-1\r\n*-1\r\n*0\r\n"), []string{"push", "push", "push", "push", "push"}},
		{"pub/sub message between replies", kvCat(redisBeat, pubsub, redisKeep), []string{redisWantBeat, "push", redisWantKeep}},
		{"array of every element kind", []byte("*5\r\n+a\r\n:1\r\n-ERR x\r\n$-1\r\n$2\r\nab\r\n"), []string{"push"}},
		{"line at the limit", kvCat([]byte("+"), long, []byte("\r\n")), []string{"push"}},

		{"noauth", []byte("-NOAUTH Authentication required.\r\n"), []string{"refused redis-noauth", "end"}},
		{"wrongpass after a reply", kvCat(redisBeat, []byte("-WRONGPASS invalid username-password pair\r\n")), []string{redisWantBeat, "refused redis-wrongpass", "end"}},
		{"err alone", []byte("-ERR\r\n"), []string{"refused redis-err", "end"}},
		{"unknown word", []byte("-Foo bar\r\n"), []string{"refused redis-foo", "end"}},
		{"twelve letters", []byte("-NOMASTERLINK x\r\n"), []string{"refused redis-nomasterlink", "end"}},
		{"thirteen letters", []byte("-ABCDEFGHIJKLM x\r\n"), []string{"refused redis-error", "end"}},
		{"no word", []byte("-\r\n"), []string{"refused redis-error", "end"}},
		{"not a word", []byte("-ERR1 x\r\n"), []string{"refused redis-error", "end"}},

		{"nested array", []byte("*2\r\n:1\r\n*1\r\n:1\r\n"), []string{"garbled redis-nested", "end"}},
		{"unknown type", []byte(">2\r\n"), []string{"garbled redis-bad-reply", "end"}},
		{"bulk over 512 MiB", []byte("$536870913\r\n"), []string{"garbled redis-bad-reply", "end"}},
		{"bulk of 512 MiB", []byte("$536870912\r\n"), nil},
		{"array over 2^24-1", []byte("*16777216\r\n"), []string{"garbled redis-bad-reply", "end"}},
		{"too many digits", []byte("$00000000001\r\n"), []string{"garbled redis-bad-reply", "end"}},
		{"no digits", []byte("$\r\n"), []string{"garbled redis-bad-reply", "end"}},
		{"negative length", []byte("$-2\r\n"), []string{"garbled redis-bad-reply", "end"}},
		{"letter in length", []byte("$1x\r\n"), []string{"garbled redis-bad-reply", "end"}},
		{"length without LF", []byte("$1\rx"), []string{"garbled redis-bad-reply", "end"}},
		{"bulk without CRLF", []byte("$2\r\nabX\r\n"), []string{"garbled redis-bad-reply", "end"}},
		{"stamp without CRLF", kvCat([]byte("$16\r\n"), appendStamp(nil, 1, markBeat), []byte("\n\n")), []string{"garbled redis-bad-reply", "end"}},
		{"line without LF", []byte("+OK\rX"), []string{"garbled redis-bad-reply", "end"}},
		{"line over 64 KiB", kvCat([]byte("+a"), long, []byte("\r\n")), []string{"garbled redis-bad-reply", "end"}},
	}
	p, _ := newRedisClient(ProtoOptions{}, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSplits(t, p, 7, tt.in, tt.want)
		})
	}
}

// TestRedisClientSlot checks that feed leaves the slot clean between
// replies and never touches the worker's bits of pb.
func TestRedisClientSlot(t *testing.T) {
	p, _ := newRedisClient(ProtoOptions{}, 0)
	worker := uint32(pbReady | pbWaiting | pbOwed)
	c := &conn{state: stOpen, idx: 12345, pb: worker}
	r := &recorder{}
	in := kvCat(redisBeat, []byte("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"), redisKeep, []byte("+OK\r\n"))
	if !p.feed(c, in, r) {
		t.Fatal("feed ended the connection")
	}
	if want := []string{redisWantBeat, "push", redisWantKeep, "push"}; strings.Join(r.calls, "|") != strings.Join(want, "|") {
		t.Errorf("calls = %q, want %q", r.calls, want)
	}
	if c.sub != 0 || c.pa != 0 || c.idx != 0 || c.pb != worker {
		t.Errorf("slot after whole replies: sub=%d pa=%d idx=%d pb=%#x, want 0 0 0 %#x", c.sub, c.pa, c.idx, c.pb, worker)
	}
}

func TestRedisServer(t *testing.T) {
	p, _ := newRedisServer(ProtoOptions{})
	tests := []struct {
		name string
		in   string
		out  string
		n    int // -1: all of in
		kind string
	}{
		{"inline ping", "PING\r\n", "+PONG\r\n", -1, ""},
		{"inline lowercase, bare LF", "ping\n", "+PONG\r\n", -1, ""},
		{"inline ping with arg", "PING  hello\r\n", "$5\r\nhello\r\n", -1, ""},
		{"inline echo", "echo x\r\n", "$1\r\nx\r\n", -1, ""},
		{"blank lines", "\r\n\n  \r\n", "", -1, ""},
		{"multibulk ping", "*1\r\n$4\r\nPING\r\n", "+PONG\r\n", -1, ""},
		{"multibulk ping with stamp", "*2\r\n$4\r\nPING\r\n$3\r\na\nb\r\n", "$3\r\na\nb\r\n", -1, ""},
		{"multibulk echo", "*2\r\n$4\r\nEcHo\r\n$0\r\n\r\n", "$0\r\n\r\n", -1, ""},
		{"echo without arg", "*1\r\n$4\r\necho\r\n", "-ERR wrong number of arguments for 'echo' command\r\n", -1, ""},
		{"ping with two args", "PING a b\r\n", "-ERR wrong number of arguments for 'ping' command\r\n", -1, ""},
		{"empty array", "*0\r\n*-1\r\n", "", -1, ""},
		{"pipelined", "PING\r\n*1\r\n$4\r\nping\r\nECHO z\r\n", "+PONG\r\n+PONG\r\n$1\r\nz\r\n", -1, ""},
		{"unknown", "GET k\r\n", "-ERR unknown command 'GET'\r\n", -1, ""},
		{"unknown name cut and escaped", "*1\r\n$40\r\n'\x01abcdefghijklmnopqrstuvwxyz0123456789ab\r\n", "-ERR unknown command '??abcdefghijklmnopqrstuvwxyz0123'\r\n", -1, ""},
		{"quit", "PING\r\nQUIT\r\nPING\r\n", "+PONG\r\n+OK\r\n", 12, "redis-quit"},
		{"cut inline", "PING\r\nPI", "+PONG\r\n", 6, ""},
		{"cut multibulk", "PING\r\n*2\r\n$4\r\nPING\r\n$3\r\nab", "+PONG\r\n", 6, ""},
		{"cut in a length", "*2\r\n$1", "", 0, ""},
		{"bad count", "PING\r\n*x\r\n", "+PONG\r\n-ERR Protocol error\r\n", 6, "redis-bad-request"},
		{"not a bulk", "*1\r\n:1\r\n", "-ERR Protocol error\r\n", 0, "redis-bad-request"},
		{"bulk too big", "*1\r\n$99999999\r\n", "-ERR Protocol error\r\n", 0, "redis-bad-request"},
		{"bulk without CRLF", "*1\r\n$1\r\nabc", "-ERR Protocol error\r\n", 0, "redis-bad-request"},
		{"count too big", "*99999\r\n", "-ERR Protocol error\r\n", 0, "redis-bad-request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { kvCheckServe(t, p, tt.in, tt.out, tt.n, tt.kind) })
	}
}

// kvCheckServe serves in on a fresh connection and checks what it
// consumed (n < 0: all of it), answered and refused, then kvCheckServer's
// properties.
func kvCheckServe(t *testing.T, p serverProto, in, out string, n int, kind string) {
	t.Helper()
	gotN, gotOut, gotKind := p.serve(&conn{state: stOpen}, []byte(in), nil)
	if n < 0 {
		n = len(in)
	}
	if gotN != n || string(gotOut) != out || gotKind != kind {
		t.Errorf("serve(%q) = %d, %q, %q; want %d, %q, %q", in, gotN, gotOut, gotKind, n, out, kind)
	}
	kvCheckServer(t, p, []byte(in), 1)
}

// TestRedisRoundTrip feeds the client's requests to the server and the
// server's replies back to the client.
func TestRedisRoundTrip(t *testing.T) {
	cp, _ := newRedisClient(ProtoOptions{}, 0)
	sp, _ := newRedisServer(ProtoOptions{})
	var req []byte
	req = cp.hello(req, 0, 5)
	var want []string
	for k := range uint64(3) {
		at := redisStampT + k*1_000_000
		req = cp.request(req, at, 5)
		want = append(want, fmt.Sprintf("reply stamp=%d echoed=true timed=true", tick(at)))
	}
	req = cp.keepalive(req)
	want = append(want, redisWantKeep)
	n, reply, kind := sp.serve(&conn{state: stOpen}, req, nil)
	if n != len(req) || kind != "" {
		t.Fatalf("serve = %d, %q; want %d, no kind", n, kind, len(req))
	}
	checkSplits(t, cp, 0, reply, want)
}

func TestRedisClientAllocs(t *testing.T) {
	p, _ := newRedisClient(ProtoOptions{}, 0)
	c := &conn{state: stOpen, pb: pbReady}
	var s kvNopSink
	buf := make([]byte, 0, 64)
	in := kvCat(redisBeat, redisKeep, []byte("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"))
	allocs := testing.AllocsPerRun(1000, func() {
		buf = p.request(buf[:0], redisStampT, 3)
		buf = p.keepalive(buf[:0])
		if !p.feed(c, in, &s) {
			t.Fatal("feed ended the connection")
		}
	})
	if allocs != 0 {
		t.Errorf("request+keepalive+feed allocate %v times, want 0", allocs)
	}
	sp, _ := newRedisServer(ProtoOptions{})
	req := kvCat(p.request(nil, 1, 3), []byte("PING\r\nECHO hi\r\n"))
	out := make([]byte, 0, 256)
	allocs = testing.AllocsPerRun(1000, func() {
		_, out, _ = sp.serve(c, req, out[:0])
	})
	if allocs != 0 {
		t.Errorf("serve allocates %v times, want 0", allocs)
	}
}

func BenchmarkRedisReply(b *testing.B) {
	p, _ := newRedisClient(ProtoOptions{}, 0)
	c := &conn{state: stOpen, pb: pbReady}
	var s kvNopSink
	b.ReportAllocs()
	b.SetBytes(int64(len(redisBeat)))
	for b.Loop() {
		p.feed(c, redisBeat, &s)
	}
	if s.replies == 0 {
		b.Fatal("no reply framed")
	}
}

func FuzzClientRedis(f *testing.F) {
	for _, s := range [][]byte{redisBeat, redisKeep, kvCat(redisBeat, []byte("*2\r\n+a\r\n$2\r\nbc\r\n"), redisKeep),
		[]byte("-NOAUTH x\r\n"), []byte("+OK\r\n:1\r\n$-1\r\n*-1\r\n"), []byte("*1\r\n*1\r\n")} {
		f.Add(s, uint64(1))
	}
	p, _ := newRedisClient(ProtoOptions{}, 0)
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		splitInvariant(t, p, in, seed)
	})
}

func FuzzServerRedis(f *testing.F) {
	for _, s := range []string{"PING\r\n", "*2\r\n$4\r\nPING\r\n$3\r\nabc\r\nECHO x\r\nQUIT\r\n", "*1\r\n$1\r\nab", "*x\r\n", "\r\n\n"} {
		f.Add([]byte(s), uint64(1))
	}
	p, _ := newRedisServer(ProtoOptions{})
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		kvCheckServer(t, p, in, seed)
	})
}

// kvNopSink is a sink that counts what it is told and allocates nothing.
type kvNopSink struct{ replies, other int }

func (s *kvNopSink) ready(c *conn)                                   { s.other++ }
func (s *kvNopSink) refused(c *conn, kind string)                    { s.other++ }
func (s *kvNopSink) reply(c *conn, stamp uint32, echoed, timed bool) { s.replies++ }
func (s *kvNopSink) ping(c *conn, payload []byte, last bool)         { s.other++ }
func (s *kvNopSink) push(c *conn)                                    { s.other++ }
func (s *kvNopSink) status(c *conn, class string)                    { s.other++ }
func (s *kvNopSink) garbled(c *conn, kind string)                    { s.other++ }

// kvServeWhole serves in as one read, again after each request while
// serve makes progress, and returns the replies, the kind that ended
// the connection and the bytes consumed.
func kvServeWhole(t *testing.T, p serverProto, in []byte) (out []byte, kind string, used int) {
	t.Helper()
	for used < len(in) {
		n, o, k := p.serve(&conn{state: stOpen}, in[used:], out)
		if n < 0 || n > len(in)-used {
			t.Fatalf("serve(%q) consumed %d of %d bytes", in[used:], n, len(in)-used)
		}
		out, kind, used = o, k, used+n
		if k != "" || n == 0 {
			break
		}
	}
	return out, kind, used
}

// kvServeSplit serves in as the worker would when it arrives in pieces
// cut at cuts: the unconsumed rest waits for the next piece.
func kvServeSplit(t *testing.T, p serverProto, in []byte, cuts []int) (out []byte, kind string) {
	t.Helper()
	var buf []byte
	prev := 0
	for _, at := range append(cuts, len(in)) {
		buf = append(buf, in[prev:at]...)
		prev = at
		for len(buf) > 0 {
			n, o, k := p.serve(&conn{state: stOpen}, buf, out)
			if n < 0 || n > len(buf) {
				t.Fatalf("serve(%q) consumed %d of %d bytes", buf, n, len(buf))
			}
			out, buf = o, buf[n:]
			if k != "" {
				return out, k
			}
			if n == 0 {
				break
			}
		}
	}
	return out, ""
}

// kvCheckServer is the property of a server framer: serve never panics
// and never consumes more than given; serving the consumed part alone
// gives the same replies; and input served whole or arriving in pieces
// gives the same replies and the same end.
func kvCheckServer(t *testing.T, p serverProto, in []byte, seed uint64) {
	t.Helper()
	out, kind, used := kvServeWhole(t, p, in)
	if kind == "" {
		if again, k, _ := kvServeWhole(t, p, in[:used]); !bytes.Equal(again, out) || k != "" {
			t.Fatalf("input %q: whole gave %q; its first %d bytes alone gave %q, %q", in, out, used, again, k)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 5))
	for _, every := range []int{1, 2, 7} {
		var cuts []int
		for i := 1; i < len(in); i++ {
			if every == 1 || rng.IntN(every) == 0 {
				cuts = append(cuts, i)
			}
		}
		got, k := kvServeSplit(t, p, in, cuts)
		if !bytes.Equal(got, out) || k != kind {
			t.Fatalf("input %q: whole gave %q, %q; split at %v gave %q, %q", in, out, kind, cuts, got, k)
		}
	}
}
