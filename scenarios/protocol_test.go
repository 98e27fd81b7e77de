package scenarios

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// protoBase is a scenario whose clients and server both speak %s.
func protoScenario(proto, client, server, rest string) string {
	return "[server]\nprotocol = \"" + proto + "\"\n" + server +
		"\n[client]\nconnections = 100\nprotocol = \"" + proto + "\"\n" + client +
		"\n[[phase]]\nkind = \"connect\"\n" + rest
}

func TestProtocolKeys(t *testing.T) {
	tests := []struct {
		name, proto, client string
		want                Proto
	}{
		{"websocket defaults", "websocket", "", Proto{Path: "/", Request: "ping"}},
		{"websocket text", "websocket", "path = \"/ws\"\nhost = \"gw\"\nheaders = [\"X-A: b\"]\nrequest = \"text\"\nkeep-alive = \"20s\"",
			Proto{Path: "/ws", Host: "gw", Headers: []string{"X-A: b"}, Request: "text", KeepAlive: 20 * time.Second}},
		{"mqtt defaults", "mqtt", "", Proto{Request: "ping", ClientID: "c1m-%d"}},
		{"mqtt publish", "mqtt", "request = \"publish\"\nclient-id = \"\"", Proto{Request: "publish", Topic: "c1m/%d"}},
		{"http", "http", "path = \"/health\"", Proto{Path: "/health"}},
		{"redis", "redis", "", Proto{Request: "ping"}},
		{"memcached mg", "memcached", "request = \"mg\"", Proto{Request: "mg"}},
		{"line", "line", "request = \"HELLO\\r\\n\"\nreply-delimiter = \"\\r\\n\"", Proto{Request: "HELLO\r\n", ReplyDelimiter: "\r\n"}},
		{"line sized", "line", "reply-size = 8", Proto{Request: "PING\n", ReplyDelimiter: "\n", ReplySize: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("p.toml", []byte(protoScenario(tt.proto, tt.client, "", "")))
			if err != nil {
				t.Fatal(err)
			}
			if s.Client.Protocol != tt.proto || s.Server.Protocol != tt.proto {
				t.Errorf("protocols %q/%q, want %q", s.Client.Protocol, s.Server.Protocol, tt.proto)
			}
			if !reflect.DeepEqual(s.Client.Proto, tt.want) {
				t.Errorf("got %+v\nwant %+v", s.Client.Proto, tt.want)
			}
		})
	}
}

func TestProtocolRefusals(t *testing.T) {
	tests := []struct {
		name, src, want string
		line            int
	}{
		{"key of another protocol", protoScenario("redis", "path = \"/\"", "", ""), `client.path does not apply to protocol "redis"`, 7},
		{"message with a protocol", protoScenario("mqtt", "message = \"hi\"", "", ""), `client.message does not apply to protocol "mqtt"`, 7},
		{"topic without publish", protoScenario("mqtt", "topic = \"a\"", "", ""), `client.topic applies to request = "publish" only`, 7},
		{"wildcard topic", protoScenario("mqtt", "request = \"publish\"\ntopic = \"a/#\"", "", ""), `is not a topic to publish to`, 8},
		{"unknown request", protoScenario("websocket", "request = \"pong\"", "", ""), `client.request: "pong" is not valid`, 7},
		{"bad header", protoScenario("http", "headers = [\"nocolon\"]", "", ""), `is not a header line`, 7},
		{"relative path", protoScenario("http", "path = \"x\"", "", ""), `is not a request target`, 7},
		{"keep-alive too short", protoScenario("http", "keep-alive = \"1ms\"", "", ""), `client.keep-alive 1ms is out of range`, 7},
		{"long delimiter", protoScenario("line", "reply-delimiter = \"12345678901234567\"", "", ""), `client.reply-delimiter must be 1 to 16 bytes`, 7},
		{"line %d", protoScenario("line", "request = \"a%d\\n\"", "", ""), `holds %d`, 7},
		{"server speaks another", "[server]\nprotocol = \"mqtt\"\n[client]\nconnections = 1\nprotocol = \"redis\"\n[[phase]]\nkind = \"connect\"\n", `the clients speak "redis" but the built-in server speaks "mqtt"`, 5},
		{"server silent", "[client]\nconnections = 1\nprotocol = \"redis\"\n[[phase]]\nkind = \"connect\"\n", `the clients speak "redis" but the built-in server speaks "echo"`, 0},
		{"server protocol and on-data", protoScenario("http", "", "on-data = \"echo\"", ""), `server.on-data "echo" does not apply`, 3},
		{"body without http", protoScenario("redis", "", "body = \"x\"", ""), `server.body applies to the built-in http server only`, 3},
		{"handshake bound without handshake", protoScenario("http", "", "", "[expect]\nhandshake-p99-max = \"1s\""), `no handshake is timed`, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.toml", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an error", err)
			}
			if !strings.Contains(e.Msg, tt.want) {
				t.Errorf("got %q, want it to say %q", e.Msg, tt.want)
			}
			if tt.line > 0 && e.Line != tt.line {
				t.Errorf("%s: at line %d, want %d", e, e.Line, tt.line)
			}
			if e.Fix == "" {
				t.Errorf("%s: no fix", e)
			}
		})
	}
}

func TestProtocolTraffic(t *testing.T) {
	// A protocol server answers a traffic phase without on-data = "echo".
	src := protoScenario("websocket", "", "", "[[phase]]\nkind = \"traffic\"\nduration = \"10s\"\ninterval = \"1s\"\n[expect]\nhandshake-p99-max = \"1s\"\nrtt-p99-max = \"1s\"")
	s, err := Parse("p.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Expect.HandshakeP99Max != time.Second {
		t.Errorf("handshake-p99-max %v", s.Expect.HandshakeP99Max)
	}
}
