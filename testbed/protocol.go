package testbed

import (
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// clientProto is what a client worker needs of the scenario's protocol
// keys: the keys themselves, and the size of the traffic phases' timed
// payload (every traffic phase of a run sends the same size).
func clientProto(sc *scenarios.Scenario) nodes.ProtoOptions {
	p := sc.Client.Proto
	return nodes.ProtoOptions{Path: p.Path, Host: p.Host, Headers: p.Headers, Request: p.Request, Topic: p.Topic,
		ClientID: p.ClientID, KeepAlive: p.KeepAlive, ReplyDelimiter: p.ReplyDelimiter, ReplySize: p.ReplySize,
		Bytes: trafficBytes(sc)}
}

// reconnect sets c's reconnect policy from the scenario's.
func reconnect(c *nodes.ClientConfig, sc *scenarios.Scenario) {
	r := sc.Client.Reconnect
	if r.Policy == scenarios.ReconnectOff {
		return
	}
	c.Reconnect, c.ReconnectDelay, c.ReconnectMaxDelay, c.ReconnectJitter = r.Policy, r.Delay, r.MaxDelay, r.Jitter
}

// serverProto is what a server worker needs of them: the http body.
func serverProto(sc *scenarios.Scenario) nodes.ProtoOptions {
	return nodes.ProtoOptions{Body: sc.Server.Body}
}

// trafficBytes is the message size of the scenario's first traffic phase
// (the decoder's default when there is none).
func trafficBytes(sc *scenarios.Scenario) int {
	for _, p := range sc.Phases {
		if p.Kind == scenarios.PhaseTraffic {
			return int(p.Bytes)
		}
	}
	return scenarios.DefaultTrafficBytes
}

// protocolRequest names the clients' timed request: "websocket ping",
// "http GET /", "line" …
func protocolRequest(c scenarios.Client) string {
	switch c.Protocol {
	case "http":
		return "http GET " + c.Proto.Path
	case "line":
		return "line"
	}
	return c.Protocol + " " + c.Proto.Request
}
