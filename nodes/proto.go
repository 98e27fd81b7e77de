package nodes

import (
	"encoding/binary"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/protocols"
)

// Protocols the built-in client and server speak (ClientConfig.Protocol,
// ServerConfig.Protocol). Echo is the original: a traffic message carries
// its send time and comes back verbatim (traffic_linux.go). The others are
// framed by a clientProto on the client and a serverProto on the server.
// The names are internal/protocols' (one list for the decoder and here).
const (
	ProtoEcho      = protocols.Echo
	ProtoWebSocket = protocols.WebSocket
	ProtoMQTT      = protocols.MQTT
	ProtoHTTP      = protocols.HTTP
	ProtoRedis     = protocols.Redis
	ProtoMemcached = protocols.Memcached
	ProtoLine      = protocols.Line
)

// Protocols lists every protocol name, echo first.
var Protocols = protocols.Names

// ProtoOptions are a protocol's settings, the same on the client and the
// server side (each side reads the ones it needs). Every string may hold
// "%d", replaced by the connection's index (IndexBase + local index) where
// the field says so.
type ProtoOptions struct {
	// Path is the request target of websocket's upgrade and http's GET
	// (default "/").
	Path string `json:"path,omitempty"`
	// Host is the Host header of websocket and http (the worker fills in
	// the first server address when it is empty).
	Host string `json:"host,omitempty"`
	// Headers are extra header lines ("Name: value") of websocket's
	// upgrade and http's requests.
	Headers []string `json:"headers,omitempty"`
	// Request chooses the timed request: websocket "ping" (default: a
	// ping frame, the pong brings the payload back) or "text" (a masked
	// text frame to an echo endpoint); mqtt "ping" (default: PINGREQ,
	// timed in order) or "publish" (QoS 0 PUBLISH to Topic, which the
	// connection subscribed to: the broker's fan-out timed); memcached
	// "mn" (default: meta no-op, timed in order), "version" or "mg" (meta
	// get with an opaque token that comes back); redis "ping" (PING with
	// a payload that comes back); line: the request's bytes, the same
	// every time ("%d" is refused; default "PING\n").
	Request string `json:"request,omitempty"`
	// Topic is mqtt's topic for "publish"; "%d" becomes the connection's
	// id, unique among the run's open connections: IndexBase × 2^20 + its
	// fd (a request knows its fd, not its index).
	Topic string `json:"topic,omitempty"`
	// ClientID is mqtt's ClientId ("%d" = connection index; "" = a
	// zero-length id, which mosquitto accepts with a clean session).
	ClientID string `json:"client_id,omitempty"`
	// KeepAlive is how often an idle connection sends an untimed request
	// in every phase (0 = never); mqtt's CONNECT carries it in seconds.
	KeepAlive time.Duration `json:"keep_alive_ns,omitempty"`
	// ReplyDelimiter ends a line protocol's reply (default "\n"), unless
	// ReplySize is set.
	ReplyDelimiter string `json:"reply_delimiter,omitempty"`
	// ReplySize, when > 0, is the line protocol's fixed reply size.
	ReplySize int `json:"reply_size,omitempty"`
	// Bytes is the size of a timed request's payload where the protocol
	// carries one (websocket text, mqtt publish; default and minimum 16).
	Bytes int `json:"bytes,omitempty"`
	// Body is what the built-in http server answers (default "ok").
	Body string `json:"body,omitempty"`
}

// A stamp is what a timed request carries where the protocol brings a
// payload back (websocket ping and text, mqtt publish, redis PING): 16
// bytes, the intended send time (CLOCK_MONOTONIC ns, little endian) and a
// marker. An untimed request (keep-alive) carries markKeep. Protocols
// whose tokens are text (memcached's opaque) write the 8 time bytes as 16
// hex digits (appendStampHex) and mark nothing.
var markKeep = [8]byte{'c', '1', 'm', '-', 'k', 'e', 'e', 'p'}

// stampSize is the size of a binary stamp.
const stampSize = 16

// appendStamp appends a 16-byte stamp of t (ns) with marker m.
func appendStamp(dst []byte, t uint64, m [8]byte) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, t)
	return append(dst, m[:]...)
}

// appendStampHex appends t as the 16 lowercase hex digits of a text
// stamp (most significant first): digits 6..13 are its tick.
func appendStampHex(dst []byte, t uint64) []byte {
	const hex = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hex[t>>shift&0xf])
	}
	return dst
}

// The slot of a connection that speaks a protocol other than echo (see
// conn): the framer owns sub, pa and the low 24 bits of pb; the worker
// owns the top 8 bits of pb (pbReady and the request queue below), state,
// flags and left. idx is the connection index until the handshake is
// done (hello and the framer's handshake check may use it); after it, a
// framer whose replies carry the stamp (echoes) gathers the stamp there
// (conn.addStampByte), and for one whose replies carry nothing back
// (inOrder) the worker keeps the intended time of the request in flight
// there: such a framer never touches idx after the handshake.
const (
	pbFramer  = 1<<24 - 1 // the framer's bits of pb
	pbReady   = 1 << 31   // worker: the handshake is done (or there is none)
	pbWaiting = 1 << 30   // worker: a request is in flight (in-order protocols)
	pbTimed   = 1 << 29   // worker: that request is timed (not a keep-alive)
	pbOwed    = 1 << 28   // worker: a timed request came due while one was in flight; it goes out with the reply
	// worker: a close command closes this connection once the request in
	// flight is answered (with a reset when pbCloseRST)
	pbCloseAfter = 1 << 27
	pbCloseRST   = 1 << 26
	// worker: the connection wrote something since the keep-alive hand
	// last passed it (so it needs no keep-alive this time)
	pbActive = 1 << 25
)

// clientProto is one protocol's client side: what a connection writes,
// and how its input is framed into handshake answers, replies, server
// pings and unasked frames. It keeps no state per connection: the slot
// holds it (see above), so a connection costs the same few bytes whatever
// it speaks. Methods must not allocate once dst has room (benchmarks check
// 0 allocations per reply).
type clientProto interface {
	// hello appends the handshake request of connection idx (local
	// index; IndexBase + idx is its number) on socket fd to dst; a
	// protocol without a handshake appends nothing (the worker then sets
	// pbReady at connect).
	hello(dst []byte, idx uint32, fd int) []byte
	// request appends one timed request intended at t (CLOCK_MONOTONIC
	// ns) on socket fd to dst.
	request(dst []byte, t uint64, fd int) []byte
	// keepalive appends one untimed request to dst.
	keepalive(dst []byte) []byte
	// pong appends the answer to a server ping carrying payload
	// (websocket; others never call sink.ping).
	pong(dst []byte, payload []byte) []byte
	// echoes reports whether a reply carries its request's stamp back
	// (sink.reply with echoed true) rather than answering requests in
	// order.
	echoes() bool
	// feed frames b, the next input of connection c (any split: a byte at
	// a time or many replies at once), calling s for each thing it
	// completes, in order. It returns false when the connection must end
	// (after s.garbled or s.refused); the rest of b is then ignored.
	feed(c *conn, b []byte, s sink) bool
}

// sink receives what a clientProto framed. *Worker implements it; tests
// record the calls.
type sink interface {
	// ready: the handshake completed (the framer checked the answer).
	ready(c *conn)
	// refused: the server answered the handshake with a refusal; kind
	// names it ("http-403", "connack-5"). The connection ends.
	refused(c *conn, kind string)
	// reply: one reply read whole. echoed: stamp is the tick (see conn)
	// of the intended send time the reply carried back, or 0 with
	// timed false for an untimed (keep-alive) echo. Not echoed: the reply
	// answers the oldest request in flight (in order), stamp and timed
	// are unused.
	reply(c *conn, stamp uint32, echoed, timed bool)
	// ping: a server ping's payload, in pieces when it was split over
	// reads (last marks the final piece); the worker answers with pong.
	ping(c *conn, payload []byte, last bool)
	// push: a frame the server sent unasked (a publish of another
	// client's, a data frame), consumed whole.
	push(c *conn)
	// status: an in-order reply's class where the protocol has one (http:
	// "2xx" … "5xx"), called just before its reply.
	status(c *conn, class string)
	// garbled: the input broke the protocol (kind names how: "ws-masked",
	// "mqtt-bad-length", "http-bad-status", …) or the server asked to
	// close ("ws-close", "http-close"). The connection ends.
	garbled(c *conn, kind string)
}

// serverProto is one protocol's server side in the built-in server: it
// answers whole requests. A request split over reads is kept by the
// worker (the rest of the input after the last whole request) until the
// next read completes it; the server is the laboratory's stand-in, so its
// slot keeps only a few bits (pb: handshake done, subscribed).
type serverProto interface {
	// serve answers the whole requests at the start of b, appending the
	// replies to out. It returns the bytes it consumed (a request cut by
	// the end of b is left for the next call, with the bytes after it)
	// and, when the input breaks the protocol, a kind naming how (the
	// connection then ends).
	serve(c *conn, b []byte, out []byte) (n int, reply []byte, kind string)
	// maxRequest is the longest request serve waits for: a connection
	// whose unconsumed input grows past it is garbled.
	maxRequest() int
}
