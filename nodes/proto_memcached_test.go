package nodes

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// mcStampT is the intended time of the tokens in these tests.
const mcStampT = uint64(0x0123_4567_89ab_cdef)

// mcToken is the opaque token of a timed mg intended at mcStampT, and
// mcWantBeat the call its reply makes.
var (
	mcToken    = "O" + string(appendStampHex(nil, mcStampT))
	mcWantBeat = fmt.Sprintf("reply stamp=%d echoed=true timed=true", tick(mcStampT))
)

const (
	mcWantInOrder = "reply stamp=0 echoed=false timed=false"
	mcWantKeep    = "reply stamp=0 echoed=true timed=false"
)

// mcClientFor makes the client of mode request, failing the test on an
// error.
func mcClientFor(t testing.TB, request string) clientProto {
	t.Helper()
	p, err := newMemcachedClient(ProtoOptions{Request: request}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMemcachedCodes(t *testing.T) {
	if !slices.IsSorted(mcCodes) || len(mcCodes) != mcUnknown || mcUnknown > int(mcCodeMask>>mcCodeShift) {
		t.Fatalf("mcCodes must be sorted, mcUnknown long and fit the code bits: %q", mcCodes)
	}
	for i, w := range mcCodes {
		at, pos := 0, 0
		for k := range len(w) {
			at = mcCodes.next(at, pos, w[k])
			pos++
		}
		if got := mcCodes.end(at, pos); got != i {
			t.Errorf("%s reads as code %d, want %d", w, got, i)
		}
	}
	for _, w := range []string{"", "E", "ENDX", "HDD", "VERSIO", "XX", "END_"} {
		at, pos := 0, 0
		for k := range len(w) {
			at = mcCodes.next(at, pos, w[k])
			pos++
		}
		if got := mcCodes.end(at, pos); got != mcUnknown {
			t.Errorf("%q reads as code %d, want none", w, got)
		}
	}
}

func TestAppendStampHex(t *testing.T) {
	for _, v := range []uint64{0, 1, mcStampT, 1<<64 - 1} {
		got := string(appendStampHex(nil, v))
		if want := fmt.Sprintf("%016x", v); got != want {
			t.Errorf("appendStampHex(%#x) = %s, want %s", v, got, want)
		}
	}
}

func TestMemcachedClientRequests(t *testing.T) {
	tests := []struct {
		request, hello, timed string
		echoes                bool
	}{
		{"", "", "mn\r\n", false},
		{"mn", "", "mn\r\n", false},
		{"version", "", "version\r\n", false},
		{"mg", "ms c1m-ka 1\r\nx\r\n", "mg c1m-ka " + mcToken + "\r\n", true},
	}
	for _, tt := range tests {
		p := mcClientFor(t, tt.request)
		if got := string(p.hello(nil, 4, 9)); got != tt.hello {
			t.Errorf("%q: hello = %q, want %q", tt.request, got, tt.hello)
		}
		if got := string(p.request(nil, mcStampT, 9)); got != tt.timed {
			t.Errorf("%q: request = %q, want %q", tt.request, got, tt.timed)
		}
		if got := string(p.keepalive(nil)); got != "mn\r\n" {
			t.Errorf("%q: keepalive = %q, want mn", tt.request, got)
		}
		if got := p.pong(nil, []byte("x")); len(got) != 0 {
			t.Errorf("%q: pong = %q, want nothing", tt.request, got)
		}
		if p.echoes() != tt.echoes {
			t.Errorf("%q: echoes = %v", tt.request, p.echoes())
		}
	}
	_, err := newMemcachedClient(ProtoOptions{Request: "get"}, 0)
	if err == nil || !strings.Contains(err.Error(), `"mg"`) {
		t.Errorf("request get: err = %v, want one that names the choices", err)
	}
	if _, err := newMemcachedServer(ProtoOptions{}); err != nil {
		t.Error(err)
	}
}

func TestMemcachedClientFeed(t *testing.T) {
	long := strings.Repeat("a", mcMaxLine-len("VERSION "))
	hs := "HD\r\n" // the answer to mg mode's handshake
	tests := []struct {
		name, request, in string
		want              []string
	}{
		{"mn", "mn", "MN\r\n", []string{mcWantInOrder}},
		{"mn pipelined", "mn", "MN\r\nMN\r\nMN\r\n", []string{mcWantInOrder, mcWantInOrder, mcWantInOrder}},
		{"mn: others are pushes", "mn", "VERSION 1.6.18\r\nHD\r\nEN\r\nMN\r\nNS\r\nEND\r\n", []string{"push", "push", "push", mcWantInOrder, "push", "push"}},
		{"mn: a value is skipped", "mn", "VA 6 t5\r\nMN\r\nab\r\nMN\r\n", []string{"push", mcWantInOrder}},
		{"version", "version", "VERSION 1.6.18\r\nMN\r\nVERSION x y\r\n", []string{mcWantInOrder, mcWantInOrder, mcWantInOrder}},
		{"version line at the limit", "version", "VERSION " + long + "\r\n", []string{mcWantInOrder}},

		{"mg handshake", "mg", hs, []string{"ready"}},
		{"mg hit", "mg", hs + "HD " + mcToken + "\r\n", []string{"ready", mcWantBeat}},
		{"mg hit with more flags", "mg", hs + "HD t-1 " + mcToken + " kc1m-ka\r\n", []string{"ready", mcWantBeat}},
		{"mg value", "mg", hs + "VA 4 " + mcToken + "\r\nab\r\n\r\n", []string{"ready", mcWantBeat}},
		{"mg miss with token", "mg", hs + "EN " + mcToken + "\r\n", []string{"ready", mcWantBeat}},
		{"mg miss", "mg", hs + "EN\r\n", []string{"ready", mcWantKeep}},
		{"mg keep-alive", "mg", hs + "MN\r\n", []string{"ready", mcWantKeep}},
		{"mg pipelined", "mg", hs + "HD " + mcToken + "\r\nMN\r\nHD " + mcToken + "\r\n", []string{"ready", mcWantBeat, mcWantKeep, mcWantBeat}},
		{"mg hit without token", "mg", hs + "HD\r\n", []string{"ready", "push"}},
		{"mg short token", "mg", hs + "HD " + mcToken[:16] + "\r\n", []string{"ready", "push"}},
		{"mg long token", "mg", hs + "HD " + mcToken + "0\r\n", []string{"ready", "push"}},
		{"mg uppercase token", "mg", hs + "HD " + strings.ToUpper(mcToken) + "\r\n", []string{"ready", "push"}},
		{"mg foreign token", "mg", hs + "HD Oabc\r\n", []string{"ready", "push"}},
		{"mg version is a push", "mg", hs + "VERSION 1\r\n", []string{"ready", "push"}},

		{"refused ns", "mg", "NS\r\n", []string{"refused memcached-ns", "end"}},
		{"refused server error", "mg", "SERVER_ERROR out of memory storing object\r\n", []string{"refused memcached-server-error", "end"}},
		{"refused client error", "mg", "CLIENT_ERROR bad data chunk\r\n", []string{"refused memcached-client-error", "end"}},
		{"refused error", "mg", "ERROR\r\n", []string{"refused memcached-error", "end"}},
		{"handshake answered by MN", "mg", "MN\r\n", []string{"garbled memcached-bad-reply", "end"}},

		{"error", "mn", "MN\r\nERROR\r\n", []string{mcWantInOrder, "garbled memcached-error", "end"}},
		{"client error", "mn", "CLIENT_ERROR line too long\r\n", []string{"garbled memcached-client-error", "end"}},
		{"server error", "mg", hs + "SERVER_ERROR busy\r\n", []string{"ready", "garbled memcached-server-error", "end"}},
		{"unknown code", "mn", "MX\r\n", []string{"garbled memcached-bad-reply", "end"}},
		{"code too long", "mn", "MNN\r\n", []string{"garbled memcached-bad-reply", "end"}},
		{"bare LF", "mn", "MN\n", []string{"garbled memcached-bad-reply", "end"}},
		{"CR without LF", "mn", "MN\rMN\r\n", []string{"garbled memcached-bad-reply", "end"}},
		{"line over 8 KiB", "version", "VERSION a" + long + "\r\n", []string{"garbled memcached-bad-reply", "end"}},
		{"value without size", "mn", "VA\r\n", []string{"garbled memcached-bad-reply", "end"}},
		{"value with a bad size", "mn", "VA 1x\r\n", []string{"garbled memcached-bad-reply", "end"}},
		{"value over 1 GiB", "mn", "VA 1073741825\r\n", []string{"garbled memcached-bad-reply", "end"}},
		{"value without CRLF", "mn", "VA 2\r\nabcMN\r\n", []string{"garbled memcached-bad-reply", "end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSplits(t, mcClientFor(t, tt.request), 7, []byte(tt.in), tt.want)
		})
	}
}

// TestMemcachedClientSlot checks that feed leaves the slot clean between
// replies, never touches the worker's bits of pb, and touches idx only
// in mg mode after the handshake.
func TestMemcachedClientSlot(t *testing.T) {
	worker := uint32(pbReady | pbWaiting | pbTimed)
	tests := []struct {
		request, in string
		pb          uint32
		idx         uint32
		want        []string
	}{
		{"mn", "MN\r\nHD " + mcToken + "\r\nVA 1 " + mcToken + "\r\nx\r\n", worker, 4321, []string{mcWantInOrder, "push", "push"}},
		{"version", "VERSION 1 " + mcToken + "\r\n", worker, 4321, []string{mcWantInOrder}},
		{"mg", "HD " + mcToken + "\r\n", 0, 4321, []string{"ready"}},
		{"mg", "HD " + mcToken + "\r\nEN\r\n", worker, 0, []string{mcWantBeat, mcWantKeep}},
	}
	for _, tt := range tests {
		p := mcClientFor(t, tt.request)
		c := &conn{state: stOpen, idx: 4321, pb: tt.pb}
		r := &recorder{}
		if !p.feed(c, []byte(tt.in), r) {
			t.Fatalf("%s %q: feed ended the connection", tt.request, tt.in)
		}
		if !slices.Equal(r.calls, tt.want) {
			t.Errorf("%s %q: calls = %q, want %q", tt.request, tt.in, r.calls, tt.want)
		}
		if c.sub != 0 || c.pa != 0 || c.pb&^pbFramer != tt.pb || c.pb&pbFramer != 0 {
			t.Errorf("%s %q: slot after whole replies: sub=%d pa=%d pb=%#x, want 0 0 %#x", tt.request, tt.in, c.sub, c.pa, c.pb, tt.pb)
		}
		if tt.request == "mg" && tt.pb == 0 {
			tt.idx = 0 // the handshake's ready hands idx over to the stamps
		}
		if c.idx != tt.idx {
			t.Errorf("%s %q: idx = %d, want %d", tt.request, tt.in, c.idx, tt.idx)
		}
	}
}

func TestMemcachedServer(t *testing.T) {
	p, _ := newMemcachedServer(ProtoOptions{})
	tests := []struct {
		name, in, out string
		n             int // -1: all of in
		kind          string
	}{
		{"mn", "mn\r\n", "MN\r\n", -1, ""},
		{"version, bare LF", "version\n", "VERSION 1.6.0-c1m\r\n", -1, ""},
		{"get", "get a b\r\n", "END\r\n", -1, ""},
		{"mg", "mg k\r\n", "HD\r\n", -1, ""},
		{"mg flags copied in order", "mg key t k Oab9 f\r\n", "HD kkey Oab9\r\n", -1, ""},
		{"mg value", "mg key v Ox\r\n", "VA 0 Ox\r\n\r\n", -1, ""},
		{"mg without key", "mg\r\n", "CLIENT_ERROR bad command line format\r\n", -1, ""},
		{"mg opaque too long", "mg k O" + strings.Repeat("1", 33) + "\r\n", "CLIENT_ERROR opaque token too long\r\n", -1, ""},
		{"ms", "ms c1m-ka 1\r\nx\r\n", "HD\r\n", -1, ""},
		{"ms with flags", "ms k 3 T0 Oq k\r\na\r\n\r\n", "HD Oq kk\r\n", -1, ""},
		{"ms cut in its data", "mn\r\nms k 3\r\nab", "MN\r\n", 4, ""},
		{"ms without size", "ms k\r\n", "CLIENT_ERROR bad command line format\r\n", 0, "memcached-bad-request"},
		{"ms too big", "ms k 70000\r\n", "CLIENT_ERROR bad command line format\r\n", 0, "memcached-bad-request"},
		{"ms bad data", "ms k 1\r\nxy\r\n", "CLIENT_ERROR bad data chunk\r\n", 0, "memcached-bad-request"},
		{"unknown", "set k 0 0 1\r\n", "ERROR\r\n", -1, ""},
		{"empty line", "\r\n", "ERROR\r\n", -1, ""},
		{"quit", "mn\r\nquit\r\nmn\r\n", "MN\r\n", 10, "memcached-quit"},
		{"cut line", "mn\r\nmn", "MN\r\n", 4, ""},
		{"pipelined", "mn\r\nmg c1m-ka " + mcToken + "\r\nversion\r\n", "MN\r\nHD " + mcToken + "\r\nVERSION 1.6.0-c1m\r\n", -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { kvCheckServe(t, p, tt.in, tt.out, tt.n, tt.kind) })
	}
}

// TestMemcachedRoundTrip feeds each mode's handshake, timed requests and
// keep-alive to the server and the server's replies back to the client.
func TestMemcachedRoundTrip(t *testing.T) {
	sp, _ := newMemcachedServer(ProtoOptions{})
	for _, mode := range []string{"mn", "version", "mg"} {
		cp := mcClientFor(t, mode)
		req := cp.hello(nil, 0, 5)
		var want []string
		if len(req) > 0 {
			want = append(want, "ready")
		}
		for k := range uint64(3) {
			at := mcStampT + k*1_000_000
			req = cp.request(req, at, 5)
			if cp.echoes() {
				want = append(want, fmt.Sprintf("reply stamp=%d echoed=true timed=true", tick(at)))
			} else {
				want = append(want, mcWantInOrder)
			}
		}
		req = cp.keepalive(req)
		want = append(want, map[bool]string{false: mcWantInOrder, true: mcWantKeep}[cp.echoes()])
		n, reply, kind := sp.serve(&conn{state: stOpen}, req, nil)
		if n != len(req) || kind != "" {
			t.Fatalf("%s: serve = %d, %q; want %d, no kind", mode, n, kind, len(req))
		}
		t.Run(mode, func(t *testing.T) { checkSplits(t, cp, 0, reply, want) })
	}
}

func TestMemcachedClientAllocs(t *testing.T) {
	ins := map[string]string{
		"mn":      "MN\r\nMN\r\n",
		"version": "VERSION 1.6.18\r\nMN\r\n",
		"mg":      "HD " + mcToken + "\r\nVA 2 " + mcToken + "\r\nab\r\nMN\r\nEN\r\n",
	}
	for mode, in := range ins {
		p := mcClientFor(t, mode)
		c := &conn{state: stOpen, pb: pbReady}
		var s kvNopSink
		buf := make([]byte, 0, 64)
		b := []byte(in)
		allocs := testing.AllocsPerRun(1000, func() {
			buf = p.request(buf[:0], mcStampT, 3)
			buf = p.keepalive(buf[:0])
			if !p.feed(c, b, &s) {
				t.Fatal("feed ended the connection")
			}
		})
		if allocs != 0 {
			t.Errorf("%s: request+keepalive+feed allocate %v times, want 0", mode, allocs)
		}
	}
	sp, _ := newMemcachedServer(ProtoOptions{})
	req := []byte("mn\r\nmg c1m-ka " + mcToken + " k v\r\nms c1m-ka 1\r\nx\r\nversion\r\nget a\r\n")
	out := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(1000, func() {
		_, out, _ = sp.serve(&conn{}, req, out[:0])
	})
	if allocs != 0 {
		t.Errorf("serve allocates %v times, want 0", allocs)
	}
}

func BenchmarkMemcachedReply(b *testing.B) {
	for _, tt := range []struct{ mode, reply string }{{"mn", "MN\r\n"}, {"mg", "HD " + mcToken + "\r\n"}} {
		b.Run(tt.mode, func(b *testing.B) {
			p := mcClientFor(b, tt.mode)
			c := &conn{state: stOpen, pb: pbReady}
			var s kvNopSink
			in := []byte(tt.reply)
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				p.feed(c, in, &s)
			}
			if s.replies == 0 {
				b.Fatal("no reply framed")
			}
		})
	}
}

func FuzzClientMemcached(f *testing.F) {
	for _, s := range []string{"MN\r\n", "HD\r\nHD " + mcToken + "\r\n", "VA 2 " + mcToken + "\r\nab\r\nEN\r\n", "VERSION 1\r\n", "NS\r\n", "SERVER_ERROR x\r\n"} {
		for mode := range uint8(3) {
			f.Add([]byte(s), uint64(1), mode)
		}
	}
	ps := []clientProto{mcClientFor(f, "mn"), mcClientFor(f, "version"), mcClientFor(f, "mg")}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, mode uint8) {
		splitInvariant(t, ps[int(mode)%len(ps)], in, seed)
	})
}

func FuzzServerMemcached(f *testing.F) {
	for _, s := range []string{"mn\r\n", "ms k 2 Ox\r\nab\r\nmg k v k Oy\r\nquit\r\n", "ms k 5\r\nab", "version\nget a\n", "ms\r\n"} {
		f.Add([]byte(s), uint64(1))
	}
	p, _ := newMemcachedServer(ProtoOptions{})
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		kvCheckServer(t, p, in, seed)
		if out, _, _ := kvServeWhole(t, p, in); len(out) > 0 && !bytes.HasSuffix(out, []byte("\r\n")) {
			t.Fatalf("input %q: a reply does not end in CRLF: %q", in, out)
		}
	})
}
