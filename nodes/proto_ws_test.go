package nodes

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// wsTestT is the intended send time the tests stamp; wsTestTick its tick.
const wsTestT uint64 = 0x0123456789AB

var wsTestTick = tick(wsTestT)

// wsTestClient makes a client framer with a fixed secret, so that answers
// (and fuzz inputs) built for it stay right across runs.
func wsTestClient(t testing.TB, o ProtoOptions) *wsClient {
	t.Helper()
	p, err := newWebSocketClient(o, 1000)
	if err != nil {
		t.Fatalf("newWebSocketClient: %v", err)
	}
	w := p.(*wsClient)
	copy(w.secret[:], "fixed test key!!")
	return w
}

// wsAnswer is a server's 101 answer to connection idx of p, with extra
// header lines (each ending in CRLF) after the accept.
func wsAnswer(p *wsClient, idx uint32, extra string) []byte {
	k := p.key(idx)
	a := wsAccept(k[:])
	return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + string(a[:]) + "\r\n" + extra + "\r\n")
}

// wsSrv is an unmasked frame from a server: byte 0 b0 and payload.
func wsSrv(b0 byte, payload []byte) []byte {
	return append(wsAppendHeader(nil, b0, len(payload), nil), payload...)
}

// wsStamp is a stamp of wsTestT with marker m.
func wsStamp(m [8]byte) []byte { return appendStamp(nil, wsTestT, m) }

// wsTextStamp is the text stamp of wsTestT with marker m (text frames).
func wsTextStamp(m [8]byte) []byte { return append(appendStampHex(nil, wsTestT), m[:]...) }

// wsCat joins byte slices.
func wsCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// wsClientFrame decodes the masked frame at the start of b: byte 0, the
// unmasked payload and the frame's size; it fails the test when b holds
// no whole masked frame.
func wsClientFrame(t *testing.T, b []byte) (b0 byte, payload []byte, size int) {
	t.Helper()
	b0, h, n, kind, err := wsFrame(b, 1<<30)
	if err != nil || kind != "" || len(b) < h+int(n) {
		t.Fatalf("no whole masked frame in % x (kind %q, err %v)", b[:min(len(b), 32)], kind, err)
	}
	key := b[h-4 : h]
	for i, x := range b[h : h+int(n)] {
		payload = append(payload, x^key[i&3])
	}
	return b0, payload, h + int(n)
}

var (
	wsReplyBeat = fmt.Sprintf("reply stamp=%d echoed=true timed=true", wsTestTick)
	wsReplyKeep = "reply stamp=0 echoed=true timed=false"
)

// TestWebSocketClientHandshake frames upgrade answers: the accepted ones
// and each refusal, every way split.
func TestWebSocketClientHandshake(t *testing.T) {
	p := wsTestClient(t, ProtoOptions{})
	k := p.key(5)
	acc := wsAccept(k[:])
	a := string(acc[:])
	other := p.key(6)
	accOther := wsAccept(other[:])
	long := "X-Pad: " + strings.Repeat("a", wsMaxHeader) + "\r\n"
	// exact builds an answer of exactly size bytes.
	exact := func(size int) []byte {
		base := wsAnswer(p, 5, "X-Pad: \r\n")
		pad := strings.Repeat("b", size-len(base))
		return wsAnswer(p, 5, "X-Pad: "+pad+"\r\n")
	}
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"101", wsAnswer(p, 5, ""), []string{"ready"}},
		{"101 with frames after", wsCat(wsAnswer(p, 5, "X-Other: 1\r\n"), wsSrv(0x8A, wsStamp(markBeat)), wsSrv(0x89, []byte("hi"))),
			[]string{"ready", wsReplyBeat, `ping "hi"`}},
		{"no reason phrase", []byte("HTTP/1.1 101\r\nsec-websocket-accept:" + a + "\r\n\r\n"), []string{"ready"}},
		{"lower case, tabs, trailing space", []byte("HTTP/1.1 101 OK\r\nSEC-WEBSOCKET-accept: \t " + a + " \t\r\n\r\n"), []string{"ready"}},
		{"LF line ends", []byte("HTTP/1.1 101 OK\nSec-WebSocket-Accept: " + a + "\n\n"), []string{"ready"}},
		{"HTTP/1.0", []byte("HTTP/1.0 101 OK\r\nSec-WebSocket-Accept: " + a + "\r\n\r\n"), []string{"ready"}},
		{"similar names", []byte("HTTP/1.1 101 OK\r\nSec-WebSocket-Acceptx: y\r\nSec-WebSocket: z\r\nSec-WebSocket-Accept: " + a + "\r\n\r\n"), []string{"ready"}},
		{"exactly 8 KiB", exact(wsMaxHeader), []string{"ready"}},
		{"403", []byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"), []string{"refused http-403", "end"}},
		{"400 HTTP/1.0", []byte("HTTP/1.0 400 Bad Request\r\n\r\n"), []string{"refused http-400", "end"}},
		{"200", []byte("HTTP/1.1 200 OK\r\n\r\n"), []string{"refused http-200", "end"}},
		{"HTTP/2", []byte("HTTP/2 101\r\n\r\n"), []string{"garbled ws-bad-status", "end"}},
		{"letter in code", []byte("HTTP/1.1 1O1 OK\r\n\r\n"), []string{"garbled ws-bad-status", "end"}},
		{"4-digit code", []byte("HTTP/1.1 1011 OK\r\n\r\n"), []string{"garbled ws-bad-status", "end"}},
		{"not HTTP", []byte("SSH-2.0-OpenSSH\r\n"), []string{"garbled ws-bad-status", "end"}},
		{"no accept", []byte("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n\r\n"), []string{"garbled ws-bad-accept", "end"}},
		{"empty accept", []byte("HTTP/1.1 101 OK\r\nSec-WebSocket-Accept:\r\n\r\n"), []string{"garbled ws-bad-accept", "end"}},
		{"another connection's accept", []byte("HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: " + string(accOther[:]) + "\r\n\r\n"), []string{"garbled ws-bad-accept", "end"}},
		{"accept too long", []byte("HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: " + a + "x\r\n\r\n"), []string{"garbled ws-bad-accept", "end"}},
		{"accept cut", []byte("HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: " + a[:27] + "\r\n\r\n"), []string{"garbled ws-bad-accept", "end"}},
		{"accept only in another header", []byte("HTTP/1.1 101 OK\r\nX-Sec-WebSocket-Accept: " + a + "\r\n\r\n"), []string{"garbled ws-bad-accept", "end"}},
		{"header block too long", wsAnswer(p, 5, long), []string{"garbled ws-header-too-long", "end"}},
		{"one byte over 8 KiB", exact(wsMaxHeader + 1), []string{"garbled ws-header-too-long", "end"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkSplits(t, p, 5, tc.in, tc.want) })
	}
}

// TestWebSocketClientFrames frames what servers send after the upgrade,
// every way split.
func TestWebSocketClientFrames(t *testing.T) {
	ping := wsTestClient(t, ProtoOptions{})
	text := wsTestClient(t, ProtoOptions{Request: "text", Bytes: 40})
	beat, keep := wsStamp(markBeat), wsStamp(markKeep)
	tbeat, tkeep := wsTextStamp(markBeat), wsTextStamp(markKeep)
	echo := append(slices.Clone(tbeat), bytes.Repeat([]byte(" "), 16)...)
	len64 := func(b0 byte, n uint64) []byte { return binary.BigEndian.AppendUint64([]byte{b0, 127}, n) }
	tests := []struct {
		name string
		p    *wsClient
		in   []byte
		want []string
	}{
		{"pong beat", ping, wsSrv(0x8A, beat), []string{wsReplyBeat}},
		{"pong keep", ping, wsSrv(0x8A, keep), []string{wsReplyKeep}},
		{"pong of 15 bytes", ping, wsSrv(0x8A, beat[:15]), []string{"push"}},
		{"pong of 17 bytes", ping, wsSrv(0x8A, append(slices.Clone(beat), 0)), []string{"push"}},
		{"pong with another marker", ping, wsSrv(0x8A, appendStamp(nil, wsTestT, [8]byte([]byte("c1m-beaT")))), []string{"push"}},
		{"pong with a skip marker", ping, wsSrv(0x8A, appendStamp(nil, wsTestT, markSkip)), []string{"push"}},
		{"empty pong", ping, wsSrv(0x8A, nil), []string{"push"}},
		{"empty ping", ping, wsSrv(0x89, nil), []string{`ping ""`}},
		{"ping", ping, wsSrv(0x89, []byte("are you there")), []string{`ping "are you there"`}},
		{"ping of 125 bytes", ping, wsSrv(0x89, bytes.Repeat([]byte{'p'}, 125)), []string{fmt.Sprintf("ping %q", strings.Repeat("p", 125))}},
		{"pipelined", ping, wsCat(wsSrv(0x8A, beat), wsSrv(0x8A, keep), wsSrv(0x89, []byte("x")), wsSrv(0x8A, beat), wsSrv(0x81, []byte("news"))),
			[]string{wsReplyBeat, wsReplyKeep, `ping "x"`, wsReplyBeat, "push"}},
		{"text in ping mode", ping, wsSrv(0x81, echo), []string{"push"}},
		{"fragments with a ping and a pong between", ping,
			wsCat(wsSrv(0x01, []byte("hel")), wsSrv(0x89, []byte("p")), wsSrv(0x00, []byte("lo")), wsSrv(0x8A, beat), wsSrv(0x80, []byte("!"))),
			[]string{`ping "p"`, wsReplyBeat, "push"}},
		{"16-bit length", ping, wsSrv(0x82, make([]byte, 300)), []string{"push"}},
		{"64-bit length", ping, wsSrv(0x82, make([]byte, 70000)), []string{"push"}},
		{"64-bit length of 2^32-1", ping, len64(0x82, 1<<32-1), nil},
		{"empty text", ping, wsSrv(0x81, nil), []string{"push"}},
		{"text echo", text, wsSrv(0x81, echo), []string{wsReplyBeat}},
		{"binary echo of a keep stamp", text, wsSrv(0x82, tkeep), []string{wsReplyKeep}},
		{"text echo with 64-bit length", text, wsSrv(0x81, append(slices.Clone(tbeat), make([]byte, 70000)...)), []string{wsReplyBeat}},
		{"text of 23 bytes", text, wsSrv(0x81, tbeat[:23]), []string{"push"}},
		{"text with a binary stamp", text, wsSrv(0x81, beat), []string{"push"}},
		{"text with upper-case hex", text, wsSrv(0x81, []byte(strings.ToUpper(string(tbeat[:16]))+"c1m-beat")), []string{"push"}},
		{"text not ours", text, wsSrv(0x81, []byte("welcome to the chat room")), []string{"push"}},
		{"pipelined echoes", text, wsCat(wsSrv(0x81, echo), wsSrv(0x8A, keep), wsSrv(0x81, []byte("hi")), wsSrv(0x81, echo)),
			[]string{wsReplyBeat, wsReplyKeep, "push", wsReplyBeat}},
		{"fragmented echo with control frames between", text,
			wsCat(wsSrv(0x01, echo[:5]), wsSrv(0x89, []byte("p")), wsSrv(0x00, echo[5:16]), wsSrv(0x8A, keep), wsSrv(0x8A, beat),
				wsSrv(0x00, nil), wsSrv(0x80, echo[16:])),
			// The beat pong finds idx taken by the message's stamp: a push.
			[]string{`ping "p"`, wsReplyKeep, "push", wsReplyBeat}},
		{"fragmented echo, pong before its stamp", text,
			wsCat(wsSrv(0x01, nil), wsSrv(0x8A, appendStamp(nil, 0xFF00, markBeat)), wsSrv(0x80, echo)),
			[]string{fmt.Sprintf("reply stamp=%d echoed=true timed=true", 0xFF), wsReplyBeat}},
		{"fragmented foreign text", text, wsCat(wsSrv(0x01, []byte("hello world")), wsSrv(0x8A, beat), wsSrv(0x80, []byte("zzzzzz"))),
			[]string{wsReplyBeat, "push"}},
		{"masked", ping, []byte{0x8A, 0x80 | 16, 1, 2, 3, 4}, []string{"garbled ws-masked", "end"}},
		{"close", ping, wsSrv(0x88, []byte{0x03, 0xE8}), []string{"garbled ws-close", "end"}},
		{"close after a reply", ping, wsCat(wsSrv(0x8A, beat), wsSrv(0x88, nil), wsSrv(0x8A, beat)), []string{wsReplyBeat, "garbled ws-close", "end"}},
		{"RSV1", ping, wsSrv(0xC1, []byte("x")), []string{"garbled ws-bad-frame", "end"}},
		{"reserved opcode", ping, wsSrv(0x83, []byte("x")), []string{"garbled ws-bad-frame", "end"}},
		{"reserved control opcode", ping, wsSrv(0x8B, []byte("x")), []string{"garbled ws-bad-frame", "end"}},
		{"control over 125", ping, wsSrv(0x89, make([]byte, 126)), []string{"garbled ws-bad-frame", "end"}},
		{"fragmented ping", ping, wsSrv(0x09, []byte("x")), []string{"garbled ws-bad-frame", "end"}},
		{"continuation without a message", ping, wsSrv(0x80, []byte("x")), []string{"garbled ws-bad-frame", "end"}},
		{"text inside a message", ping, wsCat(wsSrv(0x01, []byte("a")), wsSrv(0x81, []byte("b"))), []string{"garbled ws-bad-frame", "end"}},
		{"64-bit length of 2^32", ping, len64(0x82, 1<<32), []string{"garbled ws-too-long", "end"}},
		{"64-bit length with the top bit", ping, len64(0x82, 1<<63), []string{"garbled ws-too-long", "end"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := wsCat(wsAnswer(tc.p, 3, ""), tc.in)
			checkSplits(t, tc.p, 3, in, append([]string{"ready"}, tc.want...))
		})
	}
}

// TestWebSocketClientWrites decodes hello, requests, keep-alives and
// pongs.
func TestWebSocketClientWrites(t *testing.T) {
	p := wsTestClient(t, ProtoOptions{Path: "/ws/%d", Host: "gw:8080", Headers: []string{"Origin: http://x", "X-Id: %d-%d"}})
	hello := string(p.hello(nil, 7, 3))
	k := p.key(7)
	want := "GET /ws/1007 HTTP/1.1\r\nHost: gw:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + string(k[:]) +
		"\r\nSec-WebSocket-Version: 13\r\nOrigin: http://x\r\nX-Id: 1007-1007\r\n\r\n"
	if hello != want {
		t.Errorf("hello:\n%q\nwant\n%q", hello, want)
	}
	if raw, err := base64.StdEncoding.DecodeString(string(k[:])); err != nil || len(raw) != 16 {
		t.Errorf("key %q is not base64 of 16 bytes (%d, %v)", k, len(raw), err)
	}
	if p.key(7) != k || p.key(8) == k {
		t.Errorf("keys: not the same for one connection or not different for two")
	}
	q := wsTestClient(t, ProtoOptions{})
	q.secret[0]++
	if q.key(7) == k {
		t.Errorf("two framers give connection 7 the same key")
	}
	if h := string(q.hello(nil, 0, 0)); !strings.HasPrefix(h, "GET / HTTP/1.1\r\nHost: localhost\r\n") {
		t.Errorf("default hello %q", h)
	}

	masks := map[[4]byte]bool{}
	check := func(name string, frame []byte, wantB0 byte, wantPayload []byte) {
		t.Helper()
		b0, payload, size := wsClientFrame(t, frame)
		if size != len(frame) || b0 != wantB0 || !bytes.Equal(payload, wantPayload) {
			t.Errorf("%s: b0 %#x size %d/%d payload % x, want b0 %#x payload % x", name, b0, size, len(frame), payload[:min(len(payload), 20)], wantB0, wantPayload[:min(len(wantPayload), 20)])
		}
		_, h, _, _, _ := wsFrame(frame, 1<<30)
		masks[[4]byte(frame[h-4:h])] = true
	}
	check("ping request", p.request(nil, wsTestT, 3), 0x89, wsStamp(markBeat))
	check("ping request 2", p.request(nil, wsTestT, 3), 0x89, wsStamp(markBeat))
	check("keepalive", p.keepalive(nil), 0x89, appendStamp(nil, 0, markKeep))
	check("pong", p.pong(nil, []byte("hello")), 0x8A, []byte("hello"))
	check("empty pong", p.pong(nil, nil), 0x8A, nil)
	if len(masks) < 4 {
		t.Errorf("5 frames used %d masking keys", len(masks))
	}
	for _, n := range []int{16, 24, 125, 126, 65535, 65536, 70000} {
		tp := wsTestClient(t, ProtoOptions{Request: "text", Bytes: n})
		frame := tp.request(nil, wsTestT, 3)
		size := max(n, wsTextStampSize)
		_, payload, _ := wsClientFrame(t, frame)
		if !utf8.Valid(payload) {
			t.Errorf("text of %d: payload is not valid UTF-8 (RFC 6455 8.1)", n)
		}
		check(fmt.Sprintf("text of %d", n), frame, 0x81, append(wsTextStamp(markBeat), bytes.Repeat([]byte(" "), size-wsTextStampSize)...))
		n = size
		want := byte(127)
		switch {
		case n <= 125:
			want = byte(n)
		case n <= 65535:
			want = 126
		}
		if l := frame[1] & 0x7F; l != want {
			t.Errorf("text of %d: length byte %d", n, l)
		}
	}
	if !p.echoes() {
		t.Errorf("echoes() false")
	}
}

// TestWebSocketClientOptions checks the constructor's defaults and errors.
func TestWebSocketClientOptions(t *testing.T) {
	for _, o := range []ProtoOptions{
		{Request: "bogus"},
		{Bytes: wsMaxBytes + 1},
		{Path: "ws"},
		{Path: "/a b"},
		{Host: "a b"},
		{Headers: []string{"no colon"}},
		{Headers: []string{": empty name"}},
		{Headers: []string{"X-A: 1\r\nX-B: 2"}},
		{Headers: []string{"Bad Name: 1"}},
	} {
		_, err := newWebSocketClient(o, 0)
		if err == nil || !strings.Contains(err.Error(), "use") {
			t.Errorf("%+v: error %v, want one that says what to use", o, err)
		}
	}
	p, err := newWebSocketClient(ProtoOptions{Request: "text"}, 0)
	if err != nil || p.(*wsClient).bytes != wsTextStampSize || !p.(*wsClient).text {
		t.Errorf("text defaults: %v %+v", err, p)
	}
}

// wsServed serves in on a fresh server connection (upgraded or not).
func wsServed(in []byte, upgraded bool) (n int, out []byte, kind string, c *conn) {
	s, _ := newWebSocketServer(ProtoOptions{})
	c = &conn{state: stOpen}
	if upgraded {
		c.pb = wsUpgraded
	}
	n, out, kind = s.serve(c, in, nil)
	return n, out, kind, c
}

// wsMasked is a masked frame as a client sends it, with a fixed key.
func wsMasked(b0 byte, payload []byte) []byte {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	out := wsAppendHeader(nil, b0, len(payload), &key)
	for i, x := range payload {
		out = append(out, x^key[i&3])
	}
	return out
}

// TestWebSocketServer serves upgrades and frames.
func TestWebSocketServer(t *testing.T) {
	p := wsTestClient(t, ProtoOptions{})
	hello := p.hello(nil, 5, 0)
	answer := wsAnswer(p, 5, "")
	answer = answer[:bytes.Index(answer, []byte("Sec-WebSocket-Accept"))]
	k := p.key(5)
	acc := wsAccept(k[:])
	answer = append(answer, "Sec-WebSocket-Accept: "+string(acc[:])+"\r\n\r\n"...)
	big := make([]byte, wsServerPayload)
	tests := []struct {
		name     string
		upgraded bool
		in       []byte
		n        int
		out      []byte
		kind     string
	}{
		{"upgrade", false, hello, len(hello), answer, ""},
		{"upgrade cut", false, hello[:len(hello)-1], 0, nil, ""},
		{"upgrade and a ping", false, wsCat(hello, wsMasked(0x89, []byte("x"))), len(hello) + 7, wsCat(answer, wsSrv(0x8A, []byte("x"))), ""},
		{"upgrade, lower case", false, []byte("GET / HTTP/1.1\r\nupgrade: WebSocket\r\nsec-websocket-key: " + string(k[:]) + "\r\n\r\n"), -1, answer, ""},
		{"upgrade in a list", false, []byte("GET / HTTP/1.1\r\nUpgrade: h2c, websocket\r\nSec-WebSocket-Key:" + string(k[:]) + "\r\n\r\n"), -1, answer, ""},
		{"no upgrade", false, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), -1, []byte(wsBadRequest), "ws-bad-upgrade"},
		{"no key", false, []byte("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"), -1, []byte(wsBadRequest), "ws-bad-upgrade"},
		{"POST", false, []byte("POST / HTTP/1.1\r\n"), 0, []byte(wsBadRequest), "ws-bad-upgrade"},
		{"frame before upgrade", false, wsMasked(0x89, nil), 0, []byte(wsBadRequest), "ws-bad-upgrade"},
		{"header too long", false, []byte("GET /" + strings.Repeat("a", wsMaxHeader)), 0, []byte(wsBadRequest), "ws-header-too-long"},
		{"ping", true, wsMasked(0x89, []byte("hello")), -1, wsSrv(0x8A, []byte("hello")), ""},
		{"empty ping", true, wsMasked(0x89, nil), -1, wsSrv(0x8A, nil), ""},
		{"pong ignored", true, wsMasked(0x8A, []byte("x")), -1, nil, ""},
		{"text echoed", true, wsMasked(0x81, []byte("hello")), -1, wsSrv(0x81, []byte("hello")), ""},
		{"fragments echoed", true, wsCat(wsMasked(0x02, []byte("a")), wsMasked(0x89, nil), wsMasked(0x80, []byte("b"))), -1,
			wsCat(wsSrv(0x02, []byte("a")), wsSrv(0x8A, nil), wsSrv(0x80, []byte("b"))), ""},
		{"64 KiB echoed", true, wsMasked(0x82, big), -1, wsSrv(0x82, big), ""},
		{"frame cut", true, wsCat(wsMasked(0x81, []byte("a")), wsMasked(0x81, []byte("hello"))[:8]), 7, wsSrv(0x81, []byte("a")), ""},
		{"header cut", true, wsMasked(0x82, big)[:9], 0, nil, ""},
		{"close", true, wsCat(wsMasked(0x88, []byte{3, 0xE8}), wsMasked(0x89, nil)), 8, wsSrv(0x88, []byte{3, 0xE8}), "ws-close"},
		{"unmasked", true, wsSrv(0x89, nil), 0, nil, "ws-unmasked"},
		{"over 64 KiB", true, wsMasked(0x82, make([]byte, wsServerPayload+1))[:10], 0, nil, "ws-too-long"},
		{"RSV", true, wsMasked(0xC1, nil), 0, nil, "ws-bad-frame"},
		{"reserved opcode", true, wsMasked(0x8F, nil), 0, nil, "ws-bad-frame"},
		{"fragmented ping", true, wsMasked(0x09, nil), 0, nil, "ws-bad-frame"},
		{"control over 125", true, wsMasked(0x89, make([]byte, 126)), 0, nil, "ws-bad-frame"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			n, out, kind, c := wsServed(in, tc.upgraded)
			if tc.n < 0 {
				tc.n = len(tc.in)
			}
			if n != tc.n || !bytes.Equal(out, tc.out) || kind != tc.kind {
				t.Errorf("got n %d kind %q out %q\nwant n %d kind %q out %q", n, kind, out[:min(len(out), 200)], tc.n, tc.kind, tc.out[:min(len(tc.out), 200)])
			}
			if !bytes.Equal(in, tc.in) {
				t.Errorf("serve changed its input")
			}
			if wantUp := tc.upgraded || (bytes.HasPrefix(out, []byte("HTTP/1.1 101"))); (c.pb&wsUpgraded != 0) != wantUp {
				t.Errorf("upgraded %v, want %v", c.pb&wsUpgraded != 0, wantUp)
			}
			if c.pb&^pbFramer != 0 {
				t.Errorf("serve touched the worker's bits of pb: %#x", c.pb)
			}
		})
	}
}

// TestWebSocketRoundTrip runs the client's writes through the server and
// its answers back through the client.
func TestWebSocketRoundTrip(t *testing.T) {
	for _, o := range []ProtoOptions{{}, {Request: "text"}, {Request: "text", Bytes: 300}, {Request: "text", Bytes: 65536}} {
		t.Run(fmt.Sprintf("%s/%d", o.Request, o.Bytes), func(t *testing.T) {
			p := wsTestClient(t, o)
			s, _ := newWebSocketServer(o)
			cc, sc := &conn{state: stOpen, idx: 9}, &conn{state: stOpen}
			r := &recorder{}
			// trip serves b and feeds the answer back.
			trip := func(b []byte) {
				t.Helper()
				n, out, kind := s.serve(sc, b, nil)
				if n != len(b) || kind != "" {
					t.Fatalf("serve: n %d of %d, kind %q", n, len(b), kind)
				}
				if !p.feed(cc, out, r) {
					t.Fatalf("feed ended: %v", r.calls)
				}
			}
			trip(p.hello(nil, cc.idx, 0))
			cc.pb |= pbReady
			var b []byte
			for i := range uint64(3) {
				b = p.request(b, wsTestT+i<<tickShift, 0)
			}
			trip(b)
			trip(p.keepalive(nil))
			trip(p.pong(nil, []byte("pong")))
			want := []string{"ready"}
			for i := range uint32(3) {
				want = append(want, fmt.Sprintf("reply stamp=%d echoed=true timed=true", wsTestTick+i))
			}
			want = append(want, wsReplyKeep) // the server ignores the pong
			if !slices.Equal(r.calls, want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(r.calls, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// wsNullSink counts what a framer completes, without allocating.
type wsNullSink struct{ readies, replies, pings, pushes, ends int }

func (s *wsNullSink) ready(c *conn)                                   { s.readies++ }
func (s *wsNullSink) refused(c *conn, kind string)                    { s.ends++ }
func (s *wsNullSink) reply(c *conn, stamp uint32, echoed, timed bool) { s.replies++ }
func (s *wsNullSink) ping(c *conn, payload []byte, last bool)         { s.pings++ }
func (s *wsNullSink) push(c *conn)                                    { s.pushes++ }
func (s *wsNullSink) status(c *conn, class string)                    {}
func (s *wsNullSink) garbled(c *conn, kind string)                    { s.ends++ }

// wsReadyConn is a connection of p past its handshake.
func wsReadyConn(t testing.TB, p *wsClient) *conn {
	c := &conn{state: stOpen, idx: 2}
	if !p.feed(c, wsAnswer(p, 2, ""), &wsNullSink{}) {
		t.Fatalf("handshake failed")
	}
	c.pb |= pbReady
	return c
}

// TestWebSocketClientAllocs checks that steady-state writes and reads
// allocate nothing.
func TestWebSocketClientAllocs(t *testing.T) {
	for _, o := range []ProtoOptions{{}, {Request: "text", Bytes: 64}} {
		p := wsTestClient(t, o)
		c := wsReadyConn(t, p)
		s := &wsNullSink{}
		in := wsCat(wsSrv(0x8A, wsStamp(markBeat)), wsSrv(0x81, append(wsStamp(markBeat), make([]byte, 48)...)), wsSrv(0x89, []byte("ping")), wsSrv(0x8A, wsStamp(markKeep)))
		dst := make([]byte, 0, 256)
		allocs := testing.AllocsPerRun(200, func() {
			dst = p.request(dst[:0], wsTestT, 3)
			dst = p.keepalive(dst)
			dst = p.pong(dst, []byte("ping"))
			p.feed(c, in, s)
			for i := range in {
				p.feed(c, in[i:i+1], s)
			}
		})
		if allocs != 0 || s.ends != 0 {
			t.Errorf("%+v: %v allocations per run, %d ends", o, allocs, s.ends)
		}
	}
}

// BenchmarkWebSocketReply frames one reply: a pong (ping mode) or a
// 64-byte text echo.
func BenchmarkWebSocketReply(b *testing.B) {
	for _, tc := range []struct {
		name string
		o    ProtoOptions
		in   []byte
	}{
		{"pong", ProtoOptions{}, wsSrv(0x8A, wsStamp(markBeat))},
		{"text64", ProtoOptions{Request: "text", Bytes: 64}, wsSrv(0x81, append(wsTextStamp(markBeat), make([]byte, 40)...))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := wsTestClient(b, tc.o)
			c := wsReadyConn(b, p)
			s := &wsNullSink{}
			b.ReportAllocs()
			for b.Loop() {
				p.feed(c, tc.in, s)
			}
			if s.replies != b.N {
				b.Fatalf("%d replies in %d runs", s.replies, b.N)
			}
		})
	}
}

// FuzzClientWebSocket checks that any input frames the same whole and
// split (mode bit 0 puts a right upgrade answer first, bit 1 picks text
// requests).
func FuzzClientWebSocket(f *testing.F) {
	ping := wsTestClient(f, ProtoOptions{})
	text := wsTestClient(f, ProtoOptions{Request: "text"})
	beat := wsStamp(markBeat)
	f.Add([]byte{}, uint64(1), uint8(1))
	f.Add(wsAnswer(ping, 7, "X: y\r\n"), uint64(2), uint8(0))
	f.Add([]byte("HTTP/1.1 403 Forbidden\r\n\r\n"), uint64(3), uint8(0))
	f.Add(wsCat(wsSrv(0x8A, beat), wsSrv(0x89, []byte("abc")), wsSrv(0x8A, wsStamp(markKeep))), uint64(4), uint8(1))
	f.Add(wsCat(wsSrv(0x01, beat[:6]), wsSrv(0x8A, beat), wsSrv(0x00, beat[6:]), wsSrv(0x80, []byte("zz"))), uint64(5), uint8(3))
	f.Add(wsCat(wsSrv(0x82, make([]byte, 300)), wsSrv(0x88, nil)), uint64(6), uint8(1))
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 0, 1, 0, 1, 2}, uint64(7), uint8(3))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, mode uint8) {
		p := ping
		if mode&2 != 0 {
			p = text
		}
		if mode&1 != 0 {
			in = wsCat(wsAnswer(p, 7, ""), in)
		}
		splitInvariant(t, p, in, seed)
	})
}

// FuzzServerWebSocket checks that serve never panics, never consumes more
// than it is given, and answers the same whole or split.
func FuzzServerWebSocket(f *testing.F) {
	p := wsTestClient(f, ProtoOptions{})
	f.Add(p.hello(nil, 1, 0), uint64(1), false)
	f.Add(wsCat(p.hello(nil, 1, 0), wsMasked(0x89, []byte("x")), wsMasked(0x81, []byte("hello"))), uint64(2), false)
	f.Add(wsCat(wsMasked(0x02, []byte("a")), wsMasked(0x8A, nil), wsMasked(0x80, make([]byte, 300)), wsMasked(0x88, nil)), uint64(3), true)
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), uint64(4), false)
	f.Add([]byte{0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, uint64(5), true)
	s, _ := newWebSocketServer(ProtoOptions{})
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, upgraded bool) {
		orig := slices.Clone(in)
		c := &conn{state: stOpen}
		if upgraded {
			c.pb = wsUpgraded
		}
		n, whole, kind := s.serve(c, in, nil)
		if n < 0 || n > len(in) {
			t.Fatalf("consumed %d of %d", n, len(in))
		}
		if !bytes.Equal(in, orig) {
			t.Fatalf("serve changed its input")
		}
		// The same input in pieces, as the worker keeps a cut request.
		rng := rand.New(rand.NewPCG(seed, 5))
		c2 := &conn{state: stOpen, pb: c.pb &^ wsUpgraded}
		if upgraded {
			c2.pb |= wsUpgraded
		}
		var pending, split []byte
		used, kind2 := 0, ""
		for rest := in; len(rest) > 0 && kind2 == ""; {
			k := 1 + rng.IntN(len(rest))
			pending = append(pending, rest[:k]...)
			rest = rest[k:]
			var m int
			m, split, kind2 = s.serve(c2, pending, split)
			if m < 0 || m > len(pending) {
				t.Fatalf("consumed %d of %d", m, len(pending))
			}
			used += m
			pending = append(pending[:0], pending[m:]...)
		}
		if used != n || kind2 != kind || !bytes.Equal(split, whole) {
			t.Fatalf("input %q: whole: n %d kind %q out %q; split: n %d kind %q out %q", in, n, kind, whole, used, kind2, split)
		}
	})
}
