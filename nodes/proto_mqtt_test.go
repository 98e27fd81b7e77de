package nodes

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// mqttT is the intended send time of the test stamps, and mqttTick its
// tick (what a timed reply reports).
const mqttT = uint64(0x0123_4567_89ab_cdef)

var mqttTick = tick(mqttT)

// mqttPkt joins packet pieces: strings and byte slices as they are.
func mqttPkt(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		case byte:
			b = append(b, p)
		default:
			panic(fmt.Sprintf("mqttPkt: %T", p))
		}
	}
	return b
}

// mqttPub is a PUBLISH with first byte h to topic, packet id pid (nil for
// QoS 0) and payload.
func mqttPub(h byte, topic string, pid []byte, payload []byte) []byte {
	body := mqttPkt(byte(len(topic)>>8), byte(len(topic)), topic, pid, payload)
	return mqttPkt(h, appendMQTTLen(nil, len(body)), body)
}

// mqttStamp is a payload of n bytes starting with the stamp of t marked m.
func mqttStamp(t uint64, m [8]byte, n int) []byte {
	b := appendStamp(nil, t, m)
	return append(b, make([]byte, n-len(b))...)
}

// mqttNew builds a client or fails the test.
func mqttNew(t testing.TB, o ProtoOptions) clientProto {
	t.Helper()
	p, err := newMQTTClient(o, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Options and packets the tests share.
var (
	mqttOptPing     = ProtoOptions{}
	mqttOptPublish  = ProtoOptions{Request: "publish", Topic: "c1m/%d"}
	mqttConnackOK   = []byte{0x20, 2, 0, 0}
	mqttSubackOK    = []byte{0x90, 3, 0, 1, 0}
	mqttPingrespPkt = []byte{0xd0, 0}
)

// TestMQTTClientHello checks CONNECT (and SUBSCRIBE in publish mode) byte for byte.
func TestMQTTClientHello(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    ProtoOptions
		want []byte
	}{
		{"ping, empty id, no keep-alive", mqttOptPing,
			mqttPkt(byte(0x10), byte(12), "\x00\x04MQTT\x04\x02\x00\x00", "\x00\x00")},
		{"id template, keep-alive rounded up", ProtoOptions{ClientID: "c-%d", KeepAlive: 1500 * time.Millisecond},
			mqttPkt(byte(0x10), byte(18), "\x00\x04MQTT\x04\x02\x00\x02", "\x00\x06c-1007")},
		{"keep-alive capped", ProtoOptions{KeepAlive: 100 * time.Hour},
			mqttPkt(byte(0x10), byte(12), "\x00\x04MQTT\x04\x02\xff\xff", "\x00\x00")},
		{"publish subscribes at once", ProtoOptions{Request: "publish", Topic: "t/%d", ClientID: "x", KeepAlive: 30 * time.Second},
			mqttPkt(byte(0x10), byte(13), "\x00\x04MQTT\x04\x02\x00\x1e", "\x00\x01x",
				byte(0x82), byte(2+2+12+1), "\x00\x01", "\x00\x0ct/1048576042", byte(0))},
	} {
		p := mqttNew(t, tc.o)
		if got := p.hello(nil, 7, 42); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got\n  %q\nwant\n  %q", tc.name, got, tc.want)
		}
	}
}

// TestMQTTClientRequest checks the timed and keep-alive requests of both modes.
func TestMQTTClientRequest(t *testing.T) {
	p := mqttNew(t, mqttOptPing)
	if got := p.request(nil, mqttT, 42); !bytes.Equal(got, []byte{0xc0, 0}) {
		t.Errorf("ping request %q, want PINGREQ", got)
	}
	if got := p.keepalive(nil); !bytes.Equal(got, []byte{0xc0, 0}) {
		t.Errorf("ping keepalive %q, want PINGREQ", got)
	}
	if p.echoes() {
		t.Error("ping mode echoes, want in order")
	}
	p = mqttNew(t, ProtoOptions{Request: "publish", Topic: "c1m/%d", Bytes: 200})
	want := mqttPub(0x30, "c1m/1048576042", nil, mqttStamp(mqttT, markBeat, 200))
	if got := p.request(nil, mqttT, 42); !bytes.Equal(got, want) {
		t.Errorf("publish request\n  %q\nwant\n  %q", got, want)
	}
	if got := p.keepalive(nil); !bytes.Equal(got, []byte{0xc0, 0}) {
		t.Errorf("publish keepalive %q, want PINGREQ", got)
	}
	if got := p.pong([]byte("x"), []byte("y")); string(got) != "x" {
		t.Errorf("pong appended %q, want nothing", got)
	}
	if !p.echoes() {
		t.Error("publish mode does not echo")
	}
}

// TestMQTTClientOptions checks that bad options are refused with an error saying what to set.
func TestMQTTClientOptions(t *testing.T) {
	for _, tc := range []struct {
		o    ProtoOptions
		want string // part of the error, "" = accepted
	}{
		{ProtoOptions{Request: "ping"}, ""},
		{ProtoOptions{Request: "publish", Topic: "a/b", Bytes: 16}, ""},
		{ProtoOptions{Request: "pub"}, `set request to "ping"`},
		{ProtoOptions{Request: "publish"}, `set topic, e.g. "c1m/%d"`},
		{ProtoOptions{Request: "publish", Topic: "a/+/%d"}, "wildcard"},
		{ProtoOptions{Request: "publish", Topic: "a/#"}, "wildcard"},
		{ProtoOptions{Request: "publish", Topic: "a\x00b"}, "NUL"},
		{ProtoOptions{Request: "publish", Topic: "a\xffb"}, "UTF-8"},
		{ProtoOptions{Request: "publish", Topic: strings.Repeat("a", 70000)}, "bytes long"},
		{ProtoOptions{ClientID: "\xff"}, "UTF-8"},
		{ProtoOptions{Bytes: 15}, "set bytes to 0"},
		{ProtoOptions{Bytes: mqttMaxBytes + 1}, "set bytes to 0"},
		{ProtoOptions{KeepAlive: -time.Second}, "negative"},
	} {
		_, err := newMQTTClient(tc.o, 0)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.o, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want one saying %q", tc.o, err, tc.want)
		}
	}
}

// TestMQTTClientFeed frames handshakes, refusals, replies, pushes and
// broken input, whole, a byte at a time and in random pieces.
func TestMQTTClientFeed(t *testing.T) {
	beat := mqttPub(0x30, "c1m/1", nil, mqttStamp(mqttT, markBeat, 16))
	beat2 := mqttPub(0x31, "c1m/1", nil, mqttStamp(mqttT+1<<20, markBeat, 16)) // retain flag set
	keep := mqttPub(0x30, "c1m/1", nil, mqttStamp(mqttT, markKeep, 16))
	long := mqttPub(0x30, "c1m/1", nil, mqttStamp(mqttT, markBeat, 300))
	huge := mqttPub(0x30, "c1m/1", nil, mqttStamp(mqttT, markBeat, 200_000)) // 3-byte length
	other := mqttPub(0x30, "news", nil, []byte("hello, this is not a stamp"))
	short := mqttPub(0x30, "news", nil, []byte("c1m-beat"))
	empty := mqttPub(0x30, "news", nil, nil)
	skip := mqttPub(0x30, "c1m/1", nil, mqttStamp(mqttT, markSkip, 16))
	hs := mqttPkt(mqttConnackOK, mqttSubackOK)
	replyT := fmt.Sprintf("reply stamp=%d echoed=true timed=true", mqttTick)
	replyT2 := fmt.Sprintf("reply stamp=%d echoed=true timed=true", tick(mqttT+1<<20))
	const (
		replyK  = "reply stamp=0 echoed=true timed=false"
		replyIn = "reply stamp=0 echoed=false timed=false"
	)
	for _, tc := range []struct {
		name string
		o    ProtoOptions
		in   []byte
		want []string
	}{
		{"ping ready", mqttOptPing, mqttConnackOK, []string{"ready"}},
		{"ping session present", mqttOptPing, []byte{0x20, 2, 1, 0}, []string{"ready"}},
		{"ping refused", mqttOptPing, mqttPkt(mqttConnackOK[:3], byte(5), mqttPingrespPkt), []string{"refused connack-5", "end"}},
		{"ping refused 135", mqttOptPing, []byte{0x20, 2, 0, 135}, []string{"refused connack-135", "end"}},
		{"ping not connack", mqttOptPing, mqttPingrespPkt, []string{"garbled mqtt-bad-handshake", "end"}},
		{"ping connack flags", mqttOptPing, []byte{0x21, 2, 0, 0}, []string{"garbled mqtt-bad-handshake", "end"}},
		{"ping connack v5 size", mqttOptPing, []byte{0x20, 3, 0, 0, 0}, []string{"garbled mqtt-bad-handshake", "end"}},
		{"ping suback after the handshake", mqttOptPing, mqttPkt(mqttConnackOK, mqttSubackOK), []string{"ready", "push"}},
		{"ping http answer", mqttOptPing, []byte("HTTP/1.1 400 Bad Request\r\n"), []string{"garbled mqtt-bad-handshake", "end"}},
		{"ping replies in order", mqttOptPing, mqttPkt(mqttConnackOK, mqttPingrespPkt, mqttPingrespPkt, mqttPingrespPkt),
			[]string{"ready", replyIn, replyIn, replyIn}},
		{"ping publish is a push", mqttOptPing, mqttPkt(mqttConnackOK, mqttPingrespPkt, beat, mqttPingrespPkt),
			[]string{"ready", replyIn, "push", replyIn}},
		{"ping mqttPingrespPkt with body", mqttOptPing, mqttPkt(mqttConnackOK, []byte{0xd0, 1, 0}), []string{"ready", "garbled mqtt-bad-packet", "end"}},
		{"ping disconnect", mqttOptPing, mqttPkt(mqttConnackOK, []byte{0xe0, 0}), []string{"ready", "garbled mqtt-disconnect", "end"}},
		{"ping bad type", mqttOptPing, mqttPkt(mqttConnackOK, []byte{0xc0, 0}), []string{"ready", "garbled mqtt-bad-packet", "end"}},
		{"ping second connack", mqttOptPing, mqttPkt(mqttConnackOK, mqttConnackOK), []string{"ready", "garbled mqtt-bad-packet", "end"}},
		{"ping bad length", mqttOptPing, mqttPkt(mqttConnackOK, []byte{0x30, 0xff, 0xff, 0xff, 0xff, 1}), []string{"ready", "garbled mqtt-bad-length", "end"}},
		{"ping max length is fine", mqttOptPing, mqttPkt(mqttConnackOK, []byte{0x30, 0xff, 0xff, 0xff, 0x7f, 0, 1, 'a'}), []string{"ready"}},

		{"publish ready", mqttOptPublish, hs, []string{"ready"}},
		{"publish suback granted 1", mqttOptPublish, mqttPkt(mqttConnackOK, []byte{0x90, 3, 0, 1, 1}), []string{"ready"}},
		{"publish suback refused", mqttOptPublish, mqttPkt(mqttConnackOK, []byte{0x90, 3, 0, 1, 0x80}), []string{"refused suback-128", "end"}},
		{"publish suback bad code", mqttOptPublish, mqttPkt(mqttConnackOK, []byte{0x90, 3, 0, 1, 3}), []string{"garbled mqtt-bad-handshake", "end"}},
		{"publish suback bad id", mqttOptPublish, mqttPkt(mqttConnackOK, []byte{0x90, 3, 0, 2, 0}), []string{"garbled mqtt-bad-handshake", "end"}},
		{"publish suback two codes", mqttOptPublish, mqttPkt(mqttConnackOK, []byte{0x90, 4, 0, 1, 0, 0}), []string{"garbled mqtt-bad-handshake", "end"}},
		{"publish suback first", mqttOptPublish, mqttPkt(mqttSubackOK, mqttConnackOK), []string{"garbled mqtt-bad-handshake", "end"}},
		{"publish refused", mqttOptPublish, []byte{0x20, 2, 0, 4}, []string{"refused connack-4", "end"}},
		{"publish before suback", mqttOptPublish, mqttPkt(mqttConnackOK, beat), []string{"garbled mqtt-bad-handshake", "end"}},
		{"publish timed", mqttOptPublish, mqttPkt(hs, beat), []string{"ready", replyT}},
		{"publish keep-alive echo", mqttOptPublish, mqttPkt(hs, keep), []string{"ready", replyK}},
		{"publish long payload", mqttOptPublish, mqttPkt(hs, long), []string{"ready", replyT}},
		{"publish 200 KB payload", mqttOptPublish, mqttPkt(hs, huge, beat2), []string{"ready", replyT, replyT2}},
		{"publish others' messages", mqttOptPublish, mqttPkt(hs, other, short, empty, skip),
			[]string{"ready", "push", "push", "push", "push"}},
		{"publish pipelined with pushes and pings", mqttOptPublish,
			mqttPkt(hs, beat, mqttPingrespPkt, other, beat2, []byte{0x90, 3, 0, 9, 0}, []byte{0xb0, 2, 0, 9}, []byte{0x40, 2, 0, 3}, keep, beat),
			[]string{"ready", replyT, replyIn, "push", replyT2, "push", "push", "push", replyK, replyT}},
		{"publish qos 1", mqttOptPublish, mqttPkt(hs, mqttPub(0x32, "c1m/1", []byte{0, 1}, mqttStamp(mqttT, markBeat, 16))),
			[]string{"ready", "garbled mqtt-unexpected-qos", "end"}},
		{"publish qos 3", mqttOptPublish, mqttPkt(hs, []byte{0x36, 0}), []string{"ready", "garbled mqtt-bad-packet", "end"}},
		{"publish no topic length", mqttOptPublish, mqttPkt(hs, []byte{0x30, 1, 0}), []string{"ready", "garbled mqtt-bad-packet", "end"}},
		{"publish topic too long", mqttOptPublish, mqttPkt(hs, []byte{0x30, 4, 0, 3, 'a', 'b'}), []string{"ready", "garbled mqtt-bad-packet", "end"}},
		{"publish empty topic", mqttOptPublish, mqttPkt(hs, []byte{0x30, 3, 0, 0, 'a'}), []string{"ready", "garbled mqtt-bad-packet", "end"}},
		{"publish puback flags", mqttOptPublish, mqttPkt(hs, []byte{0x42, 2, 0, 1}), []string{"ready", "garbled mqtt-bad-packet", "end"}},
		{"publish disconnect", mqttOptPublish, mqttPkt(hs, beat, []byte{0xe0, 0}), []string{"ready", replyT, "garbled mqtt-disconnect", "end"}},
		{"publish five-byte length", mqttOptPublish, mqttPkt(hs, []byte{0x30, 0x80, 0x80, 0x80, 0x80, 0x01}),
			[]string{"ready", "garbled mqtt-bad-length", "end"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSplits(t, mqttNew(t, tc.o), 7, tc.in, tc.want) })
	}
}

// TestMQTTClientSlot checks the slot rules: ping mode never touches idx
// (the worker's in-order time lives there), publish mode leaves it 0
// after a reply, and the framer keeps to the low 24 bits of pb.
func TestMQTTClientSlot(t *testing.T) {
	r := &recorder{}
	p := mqttNew(t, mqttOptPing)
	c := &conn{state: stOpen, idx: 12345, pb: pbReady | pbWaiting}
	in := mqttPkt(mqttConnackOK, mqttPingrespPkt, mqttPingrespPkt, mqttPub(0x30, "x", nil, mqttStamp(mqttT, markBeat, 16)))
	if !p.feed(c, in, r) || c.idx != 12345 || c.pb&^pbFramer != pbReady|pbWaiting {
		t.Errorf("ping: idx %d pb %#x after %v", c.idx, c.pb, r.calls)
	}
	p = mqttNew(t, mqttOptPublish)
	c = &conn{state: stOpen, idx: 12345, pb: pbTimed}
	in = mqttPkt(mqttConnackOK, mqttSubackOK, mqttPub(0x30, "x", nil, mqttStamp(mqttT, markBeat, 16)))
	if !p.feed(c, in, r) || c.idx != 0 || c.pb&^pbFramer != pbTimed || c.pa != 0 || c.sub != 0 {
		t.Errorf("publish: idx %d pb %#x pa %d sub %d after %v", c.idx, c.pb, c.pa, c.sub, r.calls)
	}
}

// mqttServe serves in to a fresh connection the way the worker does: the
// pieces cut says arrive one after another, each served with what was
// left unconsumed before it. It returns the replies, the kind, and the
// bytes consumed in all.
func mqttServe(t testing.TB, in []byte, cuts []int) (out []byte, kind string, used int) {
	srv, _ := newMQTTServer(ProtoOptions{})
	c := &conn{state: stOpen}
	var buf []byte
	prev := 0
	for _, at := range append(slices.Clone(cuts), len(in)) {
		if at < prev || at > len(in) {
			continue
		}
		buf = append(buf, in[prev:at]...)
		prev = at
		n, o, k := srv.serve(c, buf, out)
		if n < 0 || n > len(buf) {
			t.Fatalf("input %q: serve consumed %d of %d", in, n, len(buf))
		}
		out, kind = o, k
		used += n
		buf = buf[n:]
		if kind != "" {
			break
		}
	}
	return out, kind, used
}

// mqttConnect4 is a level-4 CONNECT with an empty ClientId.
var mqttConnect4 = mqttPkt(byte(0x10), byte(12), "\x00\x04MQTT\x04\x02\x00\x3c", "\x00\x00")

// TestMQTTServer checks the stand-in broker's answers, whole and a byte at a time.
func TestMQTTServer(t *testing.T) {
	connect5 := mqttPkt(byte(0x10), byte(13), "\x00\x04MQTT\x05\x02\x00\x3c", byte(0), "\x00\x00")
	sub := mqttPkt(byte(0x82), byte(2+2+3+1), "\x00\x07", "\x00\x03a/b", byte(0))
	sub2 := mqttPkt(byte(0x82), byte(2+2*(2+1+1)), "\x00\x08", "\x00\x01a\x01", "\x00\x01b\x02")
	sub5 := mqttPkt(byte(0x82), byte(2+3+2+1+1), "\x00\x07", "\x02\x0b\x05", "\x00\x01a\x00") // subscription id property
	unsub := mqttPkt(byte(0xa2), byte(2+2+1), "\x00\x09", "\x00\x01a")
	unsub5 := mqttPkt(byte(0xa2), byte(2+1+2+1+2+1), "\x00\x09", byte(0), "\x00\x01a", "\x00\x01b")
	pub := mqttPub(0x30, "a/b", nil, []byte("hi"))
	pub1 := mqttPub(0x33, "a/b", []byte{0, 5}, []byte("hi")) // QoS 1, retain
	pub2 := mqttPub(0x34, "a/b", []byte{0, 6}, []byte("hi"))
	connack := []byte{0x20, 2, 0, 0}
	for _, tc := range []struct {
		name string
		in   []byte
		out  []byte
		kind string
		used int // -1 = all of in
	}{
		{"connect", mqttConnect4, connack, "", -1},
		{"connect v5", connect5, []byte{0x20, 3, 0, 0, 0}, "", -1},
		{"connect level 3", mqttPkt(byte(0x10), byte(12), "\x00\x04MQTT\x03\x02\x00\x3c", "\x00\x00"), []byte{0x20, 2, 0, 1}, "mqtt-bad-level", 0},
		{"connect MQIsdp", mqttPkt(byte(0x10), byte(14), "\x00\x06MQIsdp\x03\x02\x00\x3c", "\x00\x00"), nil, "mqtt-bad-packet", 0},
		{"connect short", []byte{0x10, 2, 0, 4}, nil, "mqtt-bad-packet", 0},
		{"connect twice", mqttPkt(mqttConnect4, mqttConnect4), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"ping first", []byte{0xc0, 0}, nil, "mqtt-no-connect", 0},
		{"http first", []byte("GET / HTTP/1.1\r\n"), nil, "mqtt-no-connect", 0},
		{"cut connect", mqttConnect4[:9], nil, "", 0},
		{"cut length", []byte{0x10}, nil, "", 0},
		{"ping", mqttPkt(mqttConnect4, []byte{0xc0, 0}, []byte{0xc0, 0}), mqttPkt(connack, mqttPingrespPkt, mqttPingrespPkt), "", -1},
		{"ping then cut", mqttPkt(mqttConnect4, []byte{0xc0, 0}, []byte{0xc0}), mqttPkt(connack, mqttPingrespPkt), "", len(mqttConnect4) + 2},
		{"ping with body", mqttPkt(mqttConnect4, []byte{0xc0, 1, 0}), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"publish unsubscribed", mqttPkt(mqttConnect4, pub), connack, "", -1},
		{"subscribe and publish", mqttPkt(mqttConnect4, sub, pub, pub1, pub2, []byte{0x62, 2, 0, 6}),
			mqttPkt(connack, []byte{0x90, 3, 0, 7, 0}, pub, []byte{0x40, 2, 0, 5}, pub, []byte{0x50, 2, 0, 6}, pub, []byte{0x70, 2, 0, 6}), "", -1},
		{"subscribe two", mqttPkt(mqttConnect4, sub2), mqttPkt(connack, []byte{0x90, 4, 0, 8, 0, 0}), "", -1},
		{"subscribe v5", mqttPkt(connect5, sub5, unsub5), mqttPkt([]byte{0x20, 3, 0, 0, 0}, []byte{0x90, 4, 0, 7, 0, 0}, []byte{0xb0, 5, 0, 9, 0, 0, 0}), "", -1},
		{"subscribe no filter", mqttPkt(mqttConnect4, []byte{0x82, 2, 0, 1}), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"subscribe no options", mqttPkt(mqttConnect4, []byte{0x82, 5, 0, 1, 0, 1, 'a'}), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"subscribe id 0", mqttPkt(mqttConnect4, []byte{0x82, 6, 0, 0, 0, 1, 'a', 0}), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"subscribe flags", mqttPkt(mqttConnect4, []byte{0x80, 6, 0, 1, 0, 1, 'a', 0}), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"unsubscribe", mqttPkt(mqttConnect4, unsub), mqttPkt(connack, []byte{0xb0, 2, 0, 9}), "", -1},
		{"publish qos 3", mqttPkt(mqttConnect4, []byte{0x36, 0}), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"publish topic too long", mqttPkt(mqttConnect4, []byte{0x30, 3, 0, 2, 'a'}), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"publish qos 1 no id", mqttPkt(mqttConnect4, []byte{0x32, 3, 0, 1, 'a'}), connack, "mqtt-bad-packet", len(mqttConnect4)},
		{"disconnect", mqttPkt(mqttConnect4, []byte{0xe0, 0}, []byte{0xc0, 0}), connack, "mqtt-disconnect", len(mqttConnect4) + 2},
		{"bad length", mqttPkt(mqttConnect4, []byte{0xc0, 0x80, 0x80, 0x80, 0x80, 0}), connack, "mqtt-bad-length", len(mqttConnect4)},
		{"too large", mqttPkt(mqttConnect4, []byte{0x30, 0xff, 0xff, 0x7f}), connack, "mqtt-too-large", len(mqttConnect4)},
		{"connack from client", mqttPkt(mqttConnect4, connack), connack, "mqtt-bad-packet", len(mqttConnect4)},
	} {
		used := tc.used
		if used < 0 {
			used = len(tc.in)
		}
		out, kind, n := mqttServe(t, tc.in, nil)
		if !bytes.Equal(out, tc.out) || kind != tc.kind || n != used {
			t.Errorf("%s: got %q %q used %d, want %q %q used %d", tc.name, out, kind, n, tc.out, tc.kind, used)
		}
		var bytes1 []int
		for i := 1; i < len(tc.in); i++ {
			bytes1 = append(bytes1, i)
		}
		if o, k, n := mqttServe(t, tc.in, bytes1); !bytes.Equal(o, out) || k != kind || n != used {
			t.Errorf("%s a byte at a time: got %q %q used %d, want %q %q used %d", tc.name, o, k, n, out, kind, used)
		}
	}
}

// TestMQTTRoundTrip runs the client against the server: the handshake,
// timed requests and a keep-alive, in both modes.
func TestMQTTRoundTrip(t *testing.T) {
	srv, err := newMQTTServer(ProtoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []ProtoOptions{mqttOptPing, mqttOptPublish, {Request: "publish", Topic: "room/%d/x", ClientID: "c%d", Bytes: 1000, KeepAlive: time.Minute}} {
		p := mqttNew(t, o)
		cc, sc, r := &conn{state: stOpen, idx: 3}, &conn{state: stOpen}, &recorder{}
		step := func(in []byte) {
			t.Helper()
			n, out, kind := srv.serve(sc, in, nil)
			if n != len(in) || kind != "" {
				t.Fatalf("%+v: server took %d of %q, kind %q", o, n, in, kind)
			}
			if !p.feed(cc, out, r) {
				t.Fatalf("%+v: client ended on %q: %v", o, out, r.calls)
			}
		}
		step(p.hello(nil, 3, 9))
		cc.pb |= pbReady
		want := []string{"ready"}
		for k := range uint64(3) {
			tk := mqttT + k<<30
			step(p.request(nil, tk, 9))
			if p.echoes() {
				want = append(want, fmt.Sprintf("reply stamp=%d echoed=true timed=true", tick(tk)))
			} else {
				want = append(want, "reply stamp=0 echoed=false timed=false")
			}
		}
		step(p.keepalive(nil))
		want = append(want, "reply stamp=0 echoed=false timed=false")
		if !slices.Equal(r.calls, want) {
			t.Errorf("%+v: got\n  %s\nwant\n  %s", o, strings.Join(r.calls, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// mqttNopSink is a sink that does nothing (for allocation counts).
type mqttNopSink struct{}

func (mqttNopSink) ready(*conn)                     {}
func (mqttNopSink) refused(*conn, string)           {}
func (mqttNopSink) reply(*conn, uint32, bool, bool) {}
func (mqttNopSink) ping(*conn, []byte, bool)        {}
func (mqttNopSink) push(*conn)                      {}
func (mqttNopSink) status(*conn, string)            {}
func (mqttNopSink) garbled(*conn, string)           {}

// TestMQTTClientAllocs checks that request, keepalive and feed of the
// steady state allocate nothing.
func TestMQTTClientAllocs(t *testing.T) {
	for _, o := range []ProtoOptions{mqttOptPing, {Request: "publish", Topic: "c1m/%d", Bytes: 100}} {
		p := mqttNew(t, o)
		c := &conn{state: stOpen}
		var s mqttNopSink
		hs, reply := mqttConnackOK, mqttPingrespPkt
		if p.echoes() {
			hs, reply = mqttPkt(mqttConnackOK, mqttSubackOK), mqttPub(0x30, "c1m/5", nil, mqttStamp(mqttT, markBeat, 100))
		}
		p.feed(c, hs, s)
		dst := make([]byte, 0, 4096)
		allocs := testing.AllocsPerRun(1000, func() {
			dst = p.request(dst[:0], mqttT, 5)
			dst = p.keepalive(dst)
			p.feed(c, reply, s)
			p.feed(c, mqttPingrespPkt, s)
		})
		if allocs != 0 {
			t.Errorf("%+v: %v allocations per request and reply, want 0", o, allocs)
		}
	}
}

// BenchmarkMQTTReply frames one reply of a ready connection: a delivered
// 16-byte-stamp PUBLISH (publish) or a PINGRESP (ping).
func BenchmarkMQTTReply(b *testing.B) {
	for _, o := range []ProtoOptions{mqttOptPing, mqttOptPublish} {
		b.Run(map[bool]string{false: "ping", true: "publish"}[o.Request == "publish"], func(b *testing.B) {
			p := mqttNew(b, o)
			c := &conn{state: stOpen}
			var s mqttNopSink
			hs, reply := mqttConnackOK, mqttPingrespPkt
			if p.echoes() {
				hs, reply = mqttPkt(mqttConnackOK, mqttSubackOK), mqttPub(0x30, "c1m/1048576005", nil, mqttStamp(mqttT, markBeat, 16))
			}
			p.feed(c, hs, s)
			b.ReportAllocs()
			for b.Loop() {
				p.feed(c, reply, s)
			}
		})
	}
}

// FuzzClientMQTT checks that any input frames the same whole and split.
func FuzzClientMQTT(f *testing.F) {
	beat := mqttPub(0x30, "c1m/1", nil, mqttStamp(mqttT, markBeat, 20))
	f.Add(mqttPkt(mqttConnackOK, mqttPingrespPkt, mqttPingrespPkt), uint64(1), false)
	f.Add(mqttPkt(mqttConnackOK, mqttSubackOK, beat, mqttPingrespPkt, beat), uint64(2), true)
	f.Add(mqttPkt(mqttConnackOK, mqttSubackOK, mqttPub(0x30, "n", nil, []byte("x")), []byte{0xb0, 2, 0, 1}), uint64(3), true)
	f.Add([]byte{0x20, 2, 0, 5}, uint64(4), true)
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, publish bool) {
		o := mqttOptPing
		if publish {
			o = mqttOptPublish
		}
		splitInvariant(t, mqttNew(t, o), in, seed)
	})
}

// FuzzServerMQTT checks that serve never panics, never consumes more than
// it was given, and answers the same whole and split.
func FuzzServerMQTT(f *testing.F) {
	f.Add(mqttPkt(mqttConnect4, []byte{0xc0, 0}), uint64(1))
	f.Add(mqttPkt(mqttConnect4, []byte{0x82, 6, 0, 1, 0, 1, 'a', 0}, mqttPub(0x32, "a", []byte{0, 1}, []byte("x")), []byte{0xe0, 0}), uint64(2))
	f.Add(mqttPkt(byte(0x10), byte(13), "\x00\x04MQTT\x05\x02\x00\x3c", byte(0), "\x00\x00", []byte{0xa2, 6, 0, 1, 0, 0, 1, 'a'}), uint64(3))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		out, kind, used := mqttServe(t, in, nil)
		rng := rand.New(rand.NewPCG(seed, 5))
		var cuts []int
		for i := 1; i < len(in); i++ {
			if rng.IntN(3) == 0 {
				cuts = append(cuts, i)
			}
		}
		o, k, n := mqttServe(t, in, cuts)
		if !bytes.Equal(o, out) || k != kind || n != used {
			t.Fatalf("input %q: whole gave %q %q used %d; split at %v gave %q %q used %d", in, out, kind, used, cuts, o, k, n)
		}
	})
}
