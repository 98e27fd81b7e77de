package nodes

import "fmt"

// clientProtos and serverProtos make each protocol's framers, by name.
var (
	clientProtos = map[string]func(ProtoOptions, int64) (clientProto, error){
		ProtoWebSocket: newWebSocketClient,
		ProtoMQTT:      newMQTTClient,
		ProtoHTTP:      newHTTPClient,
		ProtoRedis:     newRedisClient,
		ProtoMemcached: newMemcachedClient,
		ProtoLine:      newLineClient,
	}
	serverProtos = map[string]func(ProtoOptions) (serverProto, error){
		ProtoWebSocket: newWebSocketServer,
		ProtoMQTT:      newMQTTServer,
		ProtoHTTP:      newHTTPServer,
		ProtoRedis:     newRedisServer,
		ProtoMemcached: newMemcachedServer,
		ProtoLine:      newLineServer,
	}
)

// newClientProto makes the framer cfg.Protocol names, nil for echo. An
// empty Host becomes the first server address.
func newClientProto(cfg ClientConfig) (clientProto, error) {
	if cfg.Protocol == "" || cfg.Protocol == ProtoEcho {
		return nil, nil
	}
	mk, ok := clientProtos[cfg.Protocol]
	if !ok {
		return nil, fmt.Errorf("unknown protocol %q: use one of %v", cfg.Protocol, Protocols)
	}
	if cfg.Message != "" {
		return nil, fmt.Errorf("a client that speaks %s sends no message after connect (its handshake goes first): leave message empty", cfg.Protocol)
	}
	o := cfg.ProtoOptions
	if o.Host == "" && len(cfg.Servers) > 0 {
		o.Host = cfg.Servers[0]
	}
	p, err := mk(o, int64(cfg.IndexBase))
	if err != nil {
		return nil, fmt.Errorf("protocol %s: %w", cfg.Protocol, err)
	}
	return p, nil
}

// newServerProto makes the server framer cfg.Protocol names, nil for echo.
func newServerProto(cfg ServerConfig) (serverProto, error) {
	if cfg.Protocol == "" || cfg.Protocol == ProtoEcho {
		return nil, nil
	}
	mk, ok := serverProtos[cfg.Protocol]
	if !ok {
		return nil, fmt.Errorf("unknown protocol %q: use one of %v", cfg.Protocol, Protocols)
	}
	if cfg.OnData != "" && cfg.OnData != "echo" {
		return nil, fmt.Errorf("a server that speaks %s answers its requests: on_data %q does not apply (leave it empty)", cfg.Protocol, cfg.OnData)
	}
	p, err := mk(cfg.ProtoOptions)
	if err != nil {
		return nil, fmt.Errorf("protocol %s: %w", cfg.Protocol, err)
	}
	return p, nil
}
