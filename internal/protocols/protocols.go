// Package protocols names the protocols the built-in clients and server
// speak, the scenario keys each takes and the timed requests each offers:
// the one list the scenario decoder validates against and the workers'
// framers are registered under.
package protocols

// Protocol names.
const (
	Echo      = "echo"
	WebSocket = "websocket"
	MQTT      = "mqtt"
	HTTP      = "http"
	Redis     = "redis"
	Memcached = "memcached"
	Line      = "line"
)

// Names lists every protocol, the default (echo) first.
var Names = []string{Echo, WebSocket, MQTT, HTTP, Redis, Memcached, Line}

// Keys lists, for each protocol, the [client] keys it takes besides
// protocol itself; a key of another protocol is refused.
var Keys = map[string][]string{
	Echo:      {"message"},
	WebSocket: {"path", "host", "headers", "request", "keep-alive"},
	MQTT:      {"request", "topic", "client-id", "keep-alive"},
	HTTP:      {"path", "host", "headers", "keep-alive"},
	Redis:     {"request", "keep-alive"},
	Memcached: {"request", "keep-alive"},
	Line:      {"request", "reply-delimiter", "reply-size", "keep-alive"},
}

// Requests lists, for each protocol with a choice, its timed requests,
// the default first (line's request is free text, its bytes).
var Requests = map[string][]string{
	WebSocket: {"ping", "text"},
	MQTT:      {"ping", "publish"},
	Redis:     {"ping"},
	Memcached: {"mn", "version", "mg"},
}

// Echoes reports whether protocol p's reply to request carries the
// request's stamp back (pipelining is harmless) rather than answering in
// order (one request in flight per connection).
func Echoes(p, request string) bool {
	switch p {
	case Echo, WebSocket, Redis:
		return true
	case MQTT:
		return request == "publish"
	case Memcached:
		return request == "mg"
	}
	return false
}

// Takes reports whether protocol p takes the [client] key.
func Takes(p, key string) bool {
	for _, k := range Keys[p] {
		if k == key {
			return true
		}
	}
	return false
}
