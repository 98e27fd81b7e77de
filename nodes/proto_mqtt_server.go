package nodes

// mqttServer is the built-in server's stand-in MQTT broker: it accepts
// CONNECT (levels 4 and 5), answers PINGREQ, grants QoS 0 to every
// SUBSCRIBE, acknowledges UNSUBSCRIBE and QoS 1/2 PUBLISH, and fans a
// PUBLISH out at QoS 0 to the publisher itself once it has subscribed to
// anything: it keeps no topics, so a client publishing to its own topic
// (what the client's publish mode does) gets its message back, the timed
// round trip. A real broker (mosquitto) fans out to every subscriber of
// the topic, others included, and to the publisher only when it
// subscribed to that topic. UNSUBSCRIBE does not stop the fan-out.
type mqttServer struct{}

// newMQTTServer returns the stand-in MQTT broker (it reads no options).
func newMQTTServer(o ProtoOptions) (serverProto, error) { return mqttServer{}, nil }

// maxRequest is the longest packet served (64 KiB).
func (mqttServer) maxRequest() int { return mqttMaxRequest }

// serve answers the whole packets at the start of b.
func (srv mqttServer) serve(c *conn, b []byte, out []byte) (int, []byte, string) {
	n := 0
	for n < len(b) {
		h := b[n]
		if kind := srv.headerKind(c, h); kind != "" {
			return n, out, kind
		}
		rl, k, ok := mqttReadLen(b[n+1:])
		if !ok {
			return n, out, "mqtt-bad-length"
		}
		if k == 0 {
			break // the length is cut
		}
		total := 1 + k + rl
		if total > mqttMaxRequest {
			return n, out, "mqtt-too-large"
		}
		if len(b)-n < total {
			break
		}
		var kind string
		out, kind = srv.packet(c, h, b[n+1+k:n+total], out)
		if kind == "mqtt-disconnect" {
			return n + total, out, kind
		}
		if kind != "" {
			return n, out, kind
		}
		n += total
	}
	return n, out, ""
}

// mqttReadLen reads the remaining-length varint at the start of p: its
// value and size k, k = 0 when p ends inside it; ok is false for a
// varint longer than 4 bytes.
func mqttReadLen(p []byte) (v, k int, ok bool) {
	for i := 0; i < 4; i++ {
		if i == len(p) {
			return 0, 0, true
		}
		v |= int(p[i]&0x7f) << (7 * i)
		if p[i]&0x80 == 0 {
			return v, i + 1, true
		}
	}
	return 0, 0, false
}

// headerKind checks a packet's first byte: "" when the server takes it
// where the connection is, else the kind that ends the connection.
func (mqttServer) headerKind(c *conn, h byte) string {
	if c.pb&mqsConnected == 0 {
		if h != mqttConnect<<4 {
			return "mqtt-no-connect"
		}
		return ""
	}
	flags := h & 0x0f
	switch h >> 4 {
	case mqttPublish:
		if flags&0x06 == 0x06 {
			return "mqtt-bad-packet" // QoS 3
		}
		return ""
	case mqttPuback, mqttPubrec, mqttPubcomp, mqttPingreq, mqttDisconnect:
		if flags == 0 {
			return ""
		}
	case mqttPubrel, mqttSubscribe, mqttUnsubscribe:
		if flags == 2 {
			return ""
		}
	}
	return "mqtt-bad-packet"
}

// packet answers one whole packet with first byte h and body p.
func (mqttServer) packet(c *conn, h byte, p []byte, out []byte) ([]byte, string) {
	v5 := c.pb&mqsV5 != 0
	switch h >> 4 {
	case mqttConnect:
		if len(p) < 10 || string(p[:6]) != "\x00\x04MQTT" || p[7]&1 != 0 {
			return out, "mqtt-bad-packet"
		}
		switch p[6] {
		case 4:
			out = append(out, mqttConnack<<4, 2, 0, 0)
		case 5:
			out = append(out, mqttConnack<<4, 3, 0, 0, 0)
			c.pb |= mqsV5
		default: // unacceptable protocol level
			return append(out, mqttConnack<<4, 2, 0, 1), "mqtt-bad-level"
		}
		c.pb |= mqsConnected
	case mqttPingreq:
		if len(p) != 0 {
			return out, "mqtt-bad-packet"
		}
		out = append(out, mqttPingresp<<4, 0)
	case mqttPublish:
		qos := h >> 1 & 3
		if len(p) < 2 {
			return out, "mqtt-bad-packet"
		}
		topic := 2 + (int(p[0])<<8 | int(p[1]))
		rest := topic
		if qos > 0 {
			rest += 2
		}
		if rest > len(p) || qos > 0 && p[topic] == 0 && p[topic+1] == 0 {
			return out, "mqtt-bad-packet"
		}
		switch qos {
		case 1:
			out = append(out, mqttPuback<<4, 2, p[topic], p[topic+1])
		case 2: // delivered now (method A); PUBREL gets PUBCOMP
			out = append(out, mqttPubrec<<4, 2, p[topic], p[topic+1])
		}
		if c.pb&mqsSubscribed != 0 {
			out = append(out, mqttPublish<<4)
			out = appendMQTTLen(out, topic+len(p)-rest)
			out = append(out, p[:topic]...)
			out = append(out, p[rest:]...)
		}
	case mqttPubrel:
		if len(p) < 2 {
			return out, "mqtt-bad-packet"
		}
		out = append(out, mqttPubcomp<<4, 2, p[0], p[1])
	case mqttPuback, mqttPubrec, mqttPubcomp: // answers to nothing the stand-in sent at QoS > 0
		if len(p) < 2 {
			return out, "mqtt-bad-packet"
		}
	case mqttSubscribe, mqttUnsubscribe:
		sub := h>>4 == mqttSubscribe
		filters, ok := mqttFilters(p, v5, sub)
		if !ok {
			return out, "mqtt-bad-packet"
		}
		if !sub && !v5 {
			out = append(out, mqttUnsuback<<4, 2, p[0], p[1])
			break
		}
		rl := 2 + filters
		if v5 {
			rl++
		}
		if sub {
			out = append(out, mqttSuback<<4)
			c.pb |= mqsSubscribed
		} else {
			out = append(out, mqttUnsuback<<4)
		}
		out = appendMQTTLen(out, rl)
		out = append(out, p[0], p[1])
		if v5 {
			out = append(out, 0) // no properties
		}
		for range filters {
			out = append(out, 0) // QoS 0 granted / success
		}
	case mqttDisconnect:
		return out, "mqtt-disconnect"
	}
	return out, ""
}

// mqttFilters counts the topic filters of a SUBSCRIBE (each followed by
// an options byte) or UNSUBSCRIBE body p; ok is false when p is malformed
// or has none.
func mqttFilters(p []byte, v5, sub bool) (n int, ok bool) {
	if len(p) < 2 || p[0] == 0 && p[1] == 0 {
		return 0, false // a packet id is not 0
	}
	i := 2
	if v5 {
		props, k, ok := mqttReadLen(p[i:])
		if !ok || k == 0 {
			return 0, false
		}
		i += k + props
	}
	for i < len(p) {
		if len(p)-i < 2 {
			return 0, false
		}
		l := int(p[i])<<8 | int(p[i+1])
		i += 2 + l
		if sub {
			i++
		}
		if l == 0 || i > len(p) {
			return 0, false
		}
		n++
	}
	return n, n > 0 && i == len(p)
}
