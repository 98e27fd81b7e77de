package nodes

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// hlReply is the recorder's line for an in-order reply (http, line).
const hlReply = "reply stamp=0 echoed=false timed=false"

// hlCountSink is a sink that only counts, allocating nothing (for the
// allocation tests and benchmarks of http and line).
type hlCountSink struct{ replies, other int }

func (s *hlCountSink) ready(c *conn)                                   { s.other++ }
func (s *hlCountSink) refused(c *conn, kind string)                    { s.other++ }
func (s *hlCountSink) reply(c *conn, stamp uint32, echoed, timed bool) { s.replies++ }
func (s *hlCountSink) ping(c *conn, payload []byte, last bool)         { s.other++ }
func (s *hlCountSink) push(c *conn)                                    { s.other++ }
func (s *hlCountSink) status(c *conn, class string)                    {}
func (s *hlCountSink) garbled(c *conn, kind string)                    { s.other++ }

// mustHTTPClient makes an http client or fails the test.
func mustHTTPClient(t testing.TB, o ProtoOptions) clientProto {
	t.Helper()
	p, err := newHTTPClient(o, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mustHTTPServer makes an http server or fails the test.
func mustHTTPServer(t testing.TB, o ProtoOptions) serverProto {
	t.Helper()
	p, err := newHTTPServer(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// hlServePieces serves in as the worker does when it arrives in the pieces
// cuts says: each piece appended to what the last serve left, served
// again, until a kind ends the connection. It checks that serve consumes
// no more than it was given and leaves no more than maxRequest.
func hlServePieces(t testing.TB, sp serverProto, in []byte, cuts []int) (out []byte, kind string) {
	t.Helper()
	c := &conn{state: stOpen}
	var buf []byte
	prev := 0
	for _, at := range append(append([]int(nil), cuts...), len(in)) {
		if at < prev || at > len(in) {
			continue
		}
		buf = append(buf, in[prev:at]...)
		prev = at
		n, o, k := sp.serve(c, buf, out)
		if n < 0 || n > len(buf) {
			t.Fatalf("input %q: serve of %d bytes consumed %d", in, len(buf), n)
		}
		out = o
		if k != "" {
			return out, k
		}
		buf = append(buf[:0], buf[n:]...)
		if len(buf) > sp.maxRequest() {
			t.Fatalf("input %q: serve left %d bytes, over maxRequest %d, without a kind", in, len(buf), sp.maxRequest())
		}
	}
	return out, ""
}

// hlServeInvariant is the fuzz property of a server framer: serving in
// whole, at random cuts and a byte at a time gives the same replies and
// kind, and nothing panics.
func hlServeInvariant(t *testing.T, sp serverProto, in []byte, seed uint64) {
	wholeOut, wholeKind := hlServePieces(t, sp, in, nil)
	rng := rand.New(rand.NewPCG(seed, 5))
	var cuts, bytesCuts []int
	for i := 1; i < len(in); i++ {
		if rng.IntN(3) == 0 {
			cuts = append(cuts, i)
		}
		bytesCuts = append(bytesCuts, i)
	}
	for _, cs := range [][]int{cuts, bytesCuts} {
		out, kind := hlServePieces(t, sp, in, cs)
		if !bytes.Equal(out, wholeOut) || kind != wholeKind {
			t.Fatalf("input %q: whole gave %q %q; split at %v gave %q %q", in, wholeOut, wholeKind, cs, out, kind)
		}
	}
}

func TestHTTPClientRequest(t *testing.T) {
	tests := []struct {
		name string
		o    ProtoOptions
		want string
	}{
		{"defaults", ProtoOptions{}, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"},
		{"path host headers", ProtoOptions{Path: "/health?x=1", Host: "10.0.0.1:80", Headers: []string{"User-Agent: c1m", "X-A:b"}},
			"GET /health?x=1 HTTP/1.1\r\nHost: 10.0.0.1:80\r\nUser-Agent: c1m\r\nX-A:b\r\n\r\n"},
		{"absolute url", ProtoOptions{Path: "http://a/b", Host: "a"}, "GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPlainWrites(t, mustHTTPClient(t, tt.o), tt.want)
		})
	}
}

func TestHTTPClientOptionsRefused(t *testing.T) {
	tests := []struct {
		name string
		o    ProtoOptions
		want string // in the error
	}{
		{"relative path", ProtoOptions{Path: "health"}, "starting with"},
		{"space in path", ProtoOptions{Path: "/a b"}, "percent-encode"},
		{"newline in host", ProtoOptions{Host: "a\r\nX: y"}, "host"},
		{"header without colon", ProtoOptions{Headers: []string{"X-A b"}}, "Name: value"},
		{"header name with space", ProtoOptions{Headers: []string{"X A: b"}}, "Name: value"},
		{"header with newline", ProtoOptions{Headers: []string{"X-A: b\r\nY: c"}}, "line break"},
		{"host header", ProtoOptions{Headers: []string{"host: x"}}, "host option"},
		{"content-length header", ProtoOptions{Headers: []string{"Content-Length: 3"}}, "no body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newHTTPClient(tt.o, 0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// httpChunked is a chunked response with extensions and trailers.
const httpChunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n" +
	"5;name=value\r\nhello\r\nA \r\n0123456789\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n"

func TestHTTPClientFeed(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
	bigHeader := "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 8200) + "\r\nContent-Length: 0\r\n\r\n"
	fits := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Big: "
	fits += strings.Repeat("a", httpMaxHeader-len(fits)-4) + "\r\n\r\n"
	r2, r3, r4, r5 := []string{"status 2xx", hlReply}, []string{"status 3xx", hlReply}, []string{"status 4xx", hlReply}, []string{"status 5xx", hlReply}
	cat := func(xs ...[]string) []string {
		var all []string
		for _, x := range xs {
			all = append(all, x...)
		}
		return all
	}
	garbled := func(kind string) []string { return []string{"garbled " + kind, "end"} }
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"nginx 200", ok, r2},
		{"pipelined", ok + "HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot found" + ok +
			"HTTP/1.1 503 Busy\r\nCONTENT-LENGTH: 0\r\n\r\n" + "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 1\r\n\r\nx",
			cat(r2, r4, r2, r5, r3)},
		{"chunked", httpChunked + ok, cat(r2, r2)},
		{"chunked lf only", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", r2},
		{"chunked over content-length", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n" + ok, cat(r2, r2)},
		{"204 and 304 have no body", "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n" + ok, cat(r2, r3, r2)},
		{"interim responses skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ok, r2},
		{"no reason phrase", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 \nContent-Length: 0\n\n", cat(r2, r2)},
		{"lf line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", r2},
		{"empty body", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", r2},
		{"length with spaces", "HTTP/1.1 200 OK\r\nContent-Length:  \t3 \r\n\r\nabc", r2},
		{"largest length waits", "HTTP/1.1 200 OK\r\nContent-Length: 4294967295\r\n\r\nabc", nil},
		{"header block at the limit", fits + ok, cat(r2, r2)},
		{"name prefix is not the header", "HTTP/1.1 200 OK\r\nContent-Length-X: 5\r\nConnections: close\r\nContent-Length: 1\r\n\r\nx", r2},
		{"folded line ignored", "HTTP/1.1 200 OK\r\nX: a\r\n close\r\nContent-Length: 1\r\n\r\nx", r2},
		{"close", "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 2\r\n\r\nok" + ok,
			cat(r2, []string{"garbled http-close", "end"})},
		{"close on 204", "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n", cat(r2, garbled("http-close"))},
		{"101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", garbled("http-unexpected-101")},
		{"not http", "SSH-2.0-OpenSSH_9.2\r\n", garbled("http-bad-status")},
		{"http 2", "HTTP/2 200\r\n\r\n", garbled("http-bad-status")},
		{"status of 4 digits", "HTTP/1.1 2000 OK\r\n\r\n", garbled("http-bad-status")},
		{"status 600", "HTTP/1.1 600 OK\r\n\r\n", garbled("http-bad-status")},
		{"status short", "HTTP/1.1 20\r\n\r\n", garbled("http-bad-status")},
		{"status cut by lf", "HTTP/1.1 20\n\n", garbled("http-bad-status")},
		{"status letter", "HTTP/1.1 2x0 OK\r\n\r\n", garbled("http-bad-status")},
		{"cr without lf in status", "HTTP/1.1 200 OK\rX\n\n", garbled("http-bad-status")},
		{"cr without lf in header", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", garbled("http-bad-header")},
		{"header without colon", "HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok", garbled("http-bad-header")},
		{"length not digits", "HTTP/1.1 200 OK\r\nContent-Length: 2a\r\n\r\nok", garbled("http-bad-length")},
		{"length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", garbled("http-bad-length")},
		{"length empty", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nok", garbled("http-bad-length")},
		{"length over 2^32-1", "HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\n", garbled("http-bad-length")},
		{"length twice", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", garbled("http-bad-length")},
		{"no length", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody until close", garbled("http-no-length")},
		{"encoding not chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok", garbled("http-no-length")},
		{"header too long", bigHeader, garbled("http-header-too-long")},
		{"status line too long", "HTTP/1.1 200 " + strings.Repeat("r", 9000), garbled("http-header-too-long")},
		{"chunk line too long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("e", 70) + "\r\nx\r\n0\r\n\r\n",
			garbled("http-bad-chunk")},
		{"chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", garbled("http-bad-chunk")},
		{"chunk size empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", garbled("http-bad-chunk")},
		{"chunk size over 2^32-1", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000000\r\n", garbled("http-bad-chunk")},
		{"chunk without crlf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", garbled("http-bad-chunk")},
		{"trailers too long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + strings.Repeat("t", 9000) + "\r\n\r\n",
			garbled("http-header-too-long")},
		{"garbage after a reply", ok + "\x00\x01", cat(r2, garbled("http-bad-status"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSplits(t, mustHTTPClient(t, ProtoOptions{}), 3, []byte(tt.in), tt.want)
		})
	}
}

// TestHTTPClientKeepsWorkerBits checks that feed leaves the worker's top
// bits of pb, and the connection index, alone.
func TestHTTPClientKeepsWorkerBits(t *testing.T) {
	p := mustHTTPClient(t, ProtoOptions{})
	c := &conn{state: stOpen, idx: 77, pb: pbReady | pbWaiting}
	in := []byte(httpChunked)
	for i := range in {
		if !p.feed(c, in[i:i+1], &hlCountSink{}) {
			t.Fatal("feed ended the connection")
		}
		if c.pb&^pbFramer != pbReady|pbWaiting || c.idx != 77 {
			t.Fatalf("after byte %d: pb = %#x, idx = %d", i, c.pb, c.idx)
		}
	}
	if c.pb != pbReady|pbWaiting || c.sub != 0 || c.pa != 0 {
		t.Fatalf("after a whole reply the slot is pb %#x sub %d pa %d, want the framer's part zero", c.pb, c.sub, c.pa)
	}
}

func TestHTTPClientAllocs(t *testing.T) {
	p := mustHTTPClient(t, ProtoOptions{Host: "10.1.0.1", Headers: []string{"User-Agent: c1m"}})
	c, s := &conn{state: stOpen, pb: pbReady}, &hlCountSink{}
	dst := make([]byte, 0, 256)
	replies := [][]byte{
		[]byte("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"),
		[]byte(httpChunked),
	}
	for _, reply := range replies {
		allocs := testing.AllocsPerRun(200, func() {
			dst = p.request(dst[:0], 1, 5)
			dst = p.keepalive(dst[:0])
			p.feed(c, reply[:17], s)
			p.feed(c, reply[17:], s)
		})
		if allocs != 0 {
			t.Errorf("request+feed allocate %v times, want 0", allocs)
		}
	}
	if s.other != 0 || s.replies == 0 {
		t.Fatalf("sink saw %d replies and %d other calls", s.replies, s.other)
	}
}

func BenchmarkHTTPReply(b *testing.B) {
	p := mustHTTPClient(b, ProtoOptions{})
	c, s := &conn{state: stOpen, pb: pbReady}, &hlCountSink{}
	reply := []byte("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
		"Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
	b.ReportAllocs()
	b.SetBytes(int64(len(reply)))
	for b.Loop() {
		p.feed(c, reply, s)
	}
	if s.replies == 0 || s.other != 0 {
		b.Fatalf("sink saw %d replies and %d other calls", s.replies, s.other)
	}
}

func FuzzClientHTTP(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), uint64(1))
	f.Add([]byte(httpChunked), uint64(2))
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"), uint64(3))
	f.Add([]byte("HTTP/1.1 404 X\nTransfer-Encoding: chunked\n\n1;a\nx\n0\nT: 1\n\n"), uint64(4))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 4294967295\r\n\r\n"), uint64(5))
	p := mustHTTPClient(f, ProtoOptions{})
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		splitInvariant(t, p, in, seed)
	})
}

func TestHTTPServerServe(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
	okClose := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
	okKeep := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
	get := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	long := "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("x", httpMaxHeader) + "\r\n\r\n"
	tests := []struct {
		name string
		in   string
		n    int // consumed; -1: all
		out  string
		kind string
	}{
		{"get", get, len(get), ok, ""},
		{"pipelined and cut", get + get + "GET / HT", 2 * len(get), ok + ok, ""},
		{"lf only", "GET /x HTTP/1.1\nhost: a\n\n", 25, ok, ""},
		{"empty lines before", "\r\n\n" + get, 3 + len(get), ok, ""},
		{"lone cr waits", "\r", 0, "", ""},
		{"post with body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + get, 52 + len(get), ok + ok, ""},
		{"body cut waits", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel", 0, "", ""},
		{"head has no body", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", 28, ok[:len(ok)-2], ""},
		{"close", get + "GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n" + get, 73, ok + okClose, "http-close"},
		{"http 1.0", "GET / HTTP/1.0\r\n\r\n", 18, okClose, "http-close"},
		{"http 1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 42, okKeep, ""},
		{"chunked request", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", -1, string(httpLengthNeeded), "http-chunked-request"},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", -1, string(httpBadRequest), "http-bad-request"},
		{"no host", "GET / HTTP/1.1\r\n\r\n", -1, string(httpBadRequest), "http-bad-request"},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -1, string(httpBadRequest), "http-bad-request"},
		{"http 2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", -1, string(httpBadRequest), "http-bad-request"},
		{"bad header", get + "GET / HTTP/1.1\r\nHost a\r\n\r\n", -1, ok + string(httpBadRequest), "http-bad-request"},
		{"folded header", "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", -1, string(httpBadRequest), "http-bad-request"},
		{"bad length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", -1, string(httpBadRequest), "http-bad-request"},
		{"body too long", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", -1, string(httpTooLarge), "http-body-too-long"},
		{"head too long", long, len(long), string(httpHeadersTooBig), "http-header-too-long"},
	}
	sp := mustHTTPServer(t, ProtoOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.n < 0 { // a refusal consumes everything: the connection ends
				tt.n = len(tt.in)
			}
			n, out, kind := sp.serve(&conn{state: stOpen}, []byte(tt.in), nil)
			if n != tt.n || string(out) != tt.out || kind != tt.kind {
				t.Errorf("serve = %d %q %q, want %d %q %q", n, out, kind, tt.n, tt.out, tt.kind)
			}
			hlServeInvariant(t, sp, []byte(tt.in), 1)
		})
	}
}

func TestHTTPServerBody(t *testing.T) {
	sp := mustHTTPServer(t, ProtoOptions{Body: "hello world"})
	_, out, _ := sp.serve(&conn{}, []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), nil)
	if want := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"; string(out) != want {
		t.Fatalf("reply %q, want %q", out, want)
	}
}

func FuzzServerHTTP(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), uint64(1))
	f.Add([]byte("POST /x HTTP/1.1\nHost: a\nContent-Length: 3\n\nabcHEAD / HTTP/1.0\n\n"), uint64(2))
	f.Add([]byte("\r\n\r\nGET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), uint64(3))
	sp := mustHTTPServer(f, ProtoOptions{})
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		hlServeInvariant(t, sp, in, seed)
	})
}

// TestHTTPRoundTrip sends the client's requests to the server and the
// server's replies back to the client.
func TestHTTPRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		o        ProtoOptions
		kind     string   // the server's
		wantLast []string // the client's calls after the replies
	}{
		{"keep-alive", ProtoOptions{Host: "10.0.0.1:8080", Body: "pong"}, "", nil},
		{"close", ProtoOptions{Headers: []string{"Connection: close"}}, "http-close", []string{"garbled http-close", "end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp, sp := mustHTTPClient(t, tt.o), mustHTTPServer(t, tt.o)
			var wire []byte
			for i := range 3 {
				wire = cp.request(wire, uint64(i)<<20, 5)
			}
			wire = cp.keepalive(wire)
			out, kind := hlServePieces(t, sp, wire, []int{7, 40})
			if kind != tt.kind {
				t.Fatalf("server kind %q, want %q", kind, tt.kind)
			}
			var want []string
			for range 4 {
				want = append(want, "status 2xx", hlReply)
				if tt.kind != "" {
					break
				}
			}
			want = append(want, tt.wantLast...)
			checkSplits(t, cp, 0, out, want)
		})
	}
}

// TestHTTPExchangeBytes shows the bytes of one exchange.
func TestHTTPExchangeBytes(t *testing.T) {
	cp, sp := mustHTTPClient(t, ProtoOptions{Host: "h"}), mustHTTPServer(t, ProtoOptions{})
	req := cp.request(nil, 0, 3)
	_, out, _ := sp.serve(&conn{}, req, nil)
	got := fmt.Sprintf("%q -> %q", req, out)
	want := `"GET / HTTP/1.1\r\nHost: h\r\n\r\n" -> "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"`
	if got != want {
		t.Fatalf("exchange %s, want %s", got, want)
	}
}
