package scenarios

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/protocols"
)

// Protocol defaults (docs/scenario-format.md).
const (
	DefaultProtocol       = protocols.Echo
	DefaultPath           = "/"
	DefaultClientID       = "c1m-%d"
	DefaultTopic          = "c1m/%d"
	DefaultLineRequest    = "PING\n"
	DefaultReplyDelimiter = "\n"
	DefaultBody           = "ok"
	// MaxKeepAlive is the longest keep-alive: MQTT carries it in 16 bits
	// of seconds.
	MaxKeepAlive = 65535 * time.Second
)

// Proto holds the [client] keys of the protocol the clients speak (the
// ones that protocol takes: protocols.Keys; the others stay zero).
type Proto struct {
	// Path is the request target of websocket's upgrade and http's GET.
	Path string `json:"path,omitempty"`
	// Host is the Host header of websocket and http; "" = the server address.
	Host string `json:"host,omitempty"`
	// Headers are extra header lines, "Name: value".
	Headers []string `json:"headers,omitempty"`
	// Request is the timed request: one of protocols.Requests, or line's bytes.
	Request string `json:"request,omitempty"`
	// Topic is mqtt's topic of "publish"; "%d" = the connection's id.
	Topic string `json:"topic,omitempty"`
	// ClientID is mqtt's ClientId; "%d" = the connection's number.
	ClientID string `json:"client_id,omitempty"`
	// KeepAlive is how often an idle connection sends an untimed request,
	// in every phase; 0 = never.
	KeepAlive time.Duration `json:"keep_alive_seconds,omitempty"`
	// ReplyDelimiter ends a line reply; ReplySize, when > 0, is a line
	// reply's fixed size instead.
	ReplyDelimiter string `json:"reply_delimiter,omitempty"`
	ReplySize      int    `json:"reply_size,omitempty"`
}

// MarshalJSON writes KeepAlive as keep_alive_seconds.
func (p Proto) MarshalJSON() ([]byte, error) {
	type plain Proto
	return json.Marshal(struct {
		plain
		KeepAlive float64 `json:"keep_alive_seconds,omitempty"`
	}{plain(p), seconds(p.KeepAlive)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (p *Proto) UnmarshalJSON(b []byte) error {
	type plain Proto
	v := struct {
		*plain
		KeepAlive float64 `json:"keep_alive_seconds"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p.KeepAlive = fromSeconds(v.KeepAlive)
	return nil
}

// Reconnect policies ([client] reconnect).
const (
	ReconnectOff         = "off"
	ReconnectFixed       = "fixed"
	ReconnectExponential = "exponential"
	// DefaultReconnectDelay and DefaultReconnectMaxDelay are the backoff's
	// defaults.
	DefaultReconnectDelay    = time.Second
	DefaultReconnectMaxDelay = 30 * time.Second
)

// Reconnect is how the built-in clients reopen a connection the server
// closed or reset.
type Reconnect struct {
	// Policy is "off" (default), "fixed" or "exponential".
	Policy string `json:"policy"`
	// Delay is the first backoff (every one with "fixed"); MaxDelay caps
	// the doubling of "exponential"; Jitter draws each wait uniformly
	// from [0, the backoff].
	Delay    time.Duration `json:"delay_seconds"`
	MaxDelay time.Duration `json:"max_delay_seconds"`
	Jitter   bool          `json:"jitter"`
}

// MarshalJSON writes the delays in seconds.
func (r Reconnect) MarshalJSON() ([]byte, error) {
	type plain Reconnect
	return json.Marshal(struct {
		plain
		Delay    float64 `json:"delay_seconds"`
		MaxDelay float64 `json:"max_delay_seconds"`
	}{plain(r), seconds(r.Delay), seconds(r.MaxDelay)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (r *Reconnect) UnmarshalJSON(b []byte) error {
	type plain Reconnect
	v := struct {
		*plain
		Delay    float64 `json:"delay_seconds"`
		MaxDelay float64 `json:"max_delay_seconds"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	r.Delay, r.MaxDelay = fromSeconds(v.Delay), fromSeconds(v.MaxDelay)
	return nil
}

// reconnect reads [client] reconnect, reconnect-delay,
// reconnect-max-delay and reconnect-jitter.
func (d *decoder) reconnect(t table) Reconnect {
	r := Reconnect{
		Policy:   d.enum(t, "reconnect", ReconnectOff, ReconnectOff, ReconnectFixed, ReconnectExponential),
		Delay:    d.duration(t, "reconnect-delay", DefaultReconnectDelay),
		MaxDelay: d.duration(t, "reconnect-max-delay", DefaultReconnectMaxDelay),
		Jitter:   d.boolean(t, "reconnect-jitter"),
	}
	if d.err != nil {
		return r
	}
	if r.Policy == ReconnectOff {
		for _, k := range []string{"reconnect-delay", "reconnect-max-delay", "reconnect-jitter"} {
			if _, present := t.m[k]; present {
				d.failKey(t.child(k), `set reconnect = "fixed" or "exponential", or remove `+k, "client.%s applies only when reconnect is on", k)
				return r
			}
		}
		return Reconnect{Policy: ReconnectOff}
	}
	switch {
	case r.Delay < 0 || r.Delay > time.Hour:
		d.failVal(t.child("reconnect-delay"), "use 0 to 1h", "client.reconnect-delay %v is out of range", r.Delay)
	case r.Policy == ReconnectExponential && (r.MaxDelay < r.Delay || r.MaxDelay > time.Hour):
		d.failVal(t.child("reconnect-max-delay"), fmt.Sprintf("use reconnect-delay (%v) to 1h", r.Delay), "client.reconnect-max-delay %v is out of range", r.MaxDelay)
	case r.Policy == ReconnectFixed:
		if _, present := t.m["reconnect-max-delay"]; present {
			d.failKey(t.child("reconnect-max-delay"), `set reconnect = "exponential", or remove reconnect-max-delay`, "client.reconnect-max-delay applies to exponential backoff only")
		}
		r.MaxDelay = 0
	}
	return r
}

// protoKeys are the [client] keys that belong to one protocol or another.
var protoKeys = []string{"path", "host", "headers", "request", "topic", "client-id", "keep-alive", "reply-delimiter", "reply-size"}

// proto reads the protocol keys of [client] for protocol p, refusing any
// key of another protocol with its line and the protocols that take it.
func (d *decoder) proto(t table, p string) Proto {
	for _, k := range append(protoKeys, "message") {
		if _, present := t.m[k]; present && !protocols.Takes(p, k) && d.err == nil {
			var takers []string
			for _, n := range protocols.Names {
				if protocols.Takes(n, k) {
					takers = append(takers, n)
				}
			}
			d.failKey(t.child(k), fmt.Sprintf("remove %s, or set protocol to %s", k, strings.Join(takers, " or ")),
				"client.%s does not apply to protocol %q", k, p)
		}
	}
	var o Proto
	if p == protocols.Echo {
		return o
	}
	if protocols.Takes(p, "path") {
		o.Path = d.str(t, "path", DefaultPath)
		if d.err == nil && (!strings.HasPrefix(o.Path, "/") || strings.ContainsAny(o.Path, " \r\n")) {
			d.failVal(t.child("path"), `write an absolute path without spaces, e.g. path = "/ws"`, "client.path %q is not a request target", o.Path)
		}
		o.Host = d.str(t, "host", "")
		if d.err == nil && strings.ContainsAny(o.Host, " \r\n") {
			d.failVal(t.child("host"), `write a host name, e.g. host = "gateway.example"`, "client.host %q holds spaces or line breaks", o.Host)
		}
		o.Headers = d.strList(t, "headers")
		for i, h := range o.Headers {
			name, _, ok := strings.Cut(h, ":")
			if d.err == nil && (!ok || name == "" || strings.ContainsAny(h, "\r\n") || strings.ContainsAny(name, " \t")) {
				d.failVal(fmt.Sprintf("%s[%d]", t.child("headers"), i), `write each header as "Name: value"`, "client.headers item %d %q is not a header line", i+1, h)
			}
		}
	}
	if choices, ok := protocols.Requests[p]; ok {
		o.Request = d.enum(t, "request", choices[0], choices...)
	}
	if p == protocols.Line {
		o.Request = d.str(t, "request", DefaultLineRequest)
		o.ReplyDelimiter = d.str(t, "reply-delimiter", DefaultReplyDelimiter)
		o.ReplySize = int(d.count(t, "reply-size", 0, 0, 1<<20))
		switch {
		case d.err != nil:
		case o.Request == "":
			d.failVal(t.child("request"), `write the bytes each request sends, e.g. request = "PING\n"`, "client.request is empty")
		case strings.Contains(o.Request, "%d"):
			d.failVal(t.child("request"), `remove %d: a line request is the same bytes every time`, "client.request %q holds %%d", o.Request)
		case o.ReplySize == 0 && (len(o.ReplyDelimiter) == 0 || len(o.ReplyDelimiter) > 16):
			d.failVal(t.child("reply-delimiter"), `write 1 to 16 bytes that end each reply, e.g. reply-delimiter = "\r\n", or set reply-size`, "client.reply-delimiter must be 1 to 16 bytes (got %d)", len(o.ReplyDelimiter))
		}
	}
	if p == protocols.MQTT {
		o.ClientID = d.str(t, "client-id", DefaultClientID)
		if o.Request == "publish" {
			o.Topic = d.str(t, "topic", DefaultTopic)
			if d.err == nil && (o.Topic == "" || strings.ContainsAny(o.Topic, "#+\x00")) {
				d.failVal(t.child("topic"), `write a topic name without wildcards, e.g. topic = "c1m/%d"`, "client.topic %q is not a topic to publish to", o.Topic)
			}
		} else if _, present := t.m["topic"]; present && d.err == nil {
			d.failKey(t.child("topic"), `set request = "publish", or remove topic`, `client.topic applies to request = "publish" only`)
		}
		if d.err == nil && len(o.ClientID) > 200 {
			d.failVal(t.child("client-id"), "use at most 200 bytes", "client.client-id is %d bytes long", len(o.ClientID))
		}
	}
	o.KeepAlive = d.duration(t, "keep-alive", 0)
	if d.err == nil && (o.KeepAlive < 0 || o.KeepAlive > MaxKeepAlive || (o.KeepAlive > 0 && o.KeepAlive < 100*time.Millisecond)) {
		d.failVal(t.child("keep-alive"), fmt.Sprintf("use 0 (none) or 100ms to %v", MaxKeepAlive), "client.keep-alive %v is out of range", o.KeepAlive)
	}
	return o
}

// validateProtocol checks that the two ends speak the same protocol: the
// built-in server must speak the clients' (or an external server does),
// and a server protocol needs its clients.
func (d *decoder) validateProtocol(s *Scenario) {
	cp, sp := s.Client.Protocol, s.Server.Protocol
	external := len(s.Server.Command) > 0
	switch {
	case external && sp != protocols.Echo:
		d.failVal("server.protocol", "remove server.protocol: your program speaks for itself (set client.protocol to what it speaks)",
			"server.protocol %q applies to the built-in server, but server.command runs a program of yours", sp)
	case !external && sp != protocols.Echo && s.Server.OnData != DefaultOnData:
		d.failVal("server.on-data", "remove on-data: a server that speaks a protocol answers its requests", "server.on-data %q does not apply to protocol %q", s.Server.OnData, sp)
	case !external && cp != sp && len(s.Client.Command) == 0:
		at, fix := "client.protocol", fmt.Sprintf(`add protocol = %q under [server], so the built-in server answers it`, cp)
		if cp == protocols.Echo {
			at, fix = "server.protocol", fmt.Sprintf(`add protocol = %q under [client], or remove server.protocol`, sp)
		}
		if d.pos.written(at) {
			d.failVal(at, fix, "the clients speak %q but the built-in server speaks %q", cp, sp)
		} else {
			d.failKey(at[:strings.Index(at, ".")], fix, "the clients speak %q but the built-in server speaks %q", cp, sp)
		}
	case cp != protocols.Echo && len(s.Client.Command) > 0:
		d.failVal("client.protocol", "remove client.protocol: an external client speaks for itself", "client.protocol %q applies to the built-in clients, but client.command runs a program of yours", cp)
	}
	if s.Server.Body != DefaultBody && sp != protocols.HTTP && d.err == nil {
		d.failVal("server.body", `set protocol = "http" under [server], or remove body`, "server.body applies to the built-in http server only")
	}
	if s.Expect.HandshakeP99Max > 0 && d.err == nil && (cp == protocols.Echo || !hasPhase(s, PhaseConnect) || handshakeless(cp, s.Client.Proto)) {
		d.failVal("expect.handshake-p99-max", "remove it, or use a protocol with a handshake (websocket, mqtt) and a connect phase",
			"expect: handshake-p99-max is set but no handshake is timed (protocol %q)", cp)
	}
}

// handshakeless reports whether protocol p (with its keys) connects with
// no handshake: http, redis, line and memcached's requests other than mg.
func handshakeless(p string, o Proto) bool {
	switch p {
	case protocols.WebSocket, protocols.MQTT:
		return false
	case protocols.Memcached:
		return o.Request != "mg"
	}
	return true
}
