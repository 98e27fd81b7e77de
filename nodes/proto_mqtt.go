package nodes

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MQTT 3.1.1 (protocol level 4) packet types, the high nibble of a
// packet's first byte.
const (
	mqttConnect     = 1
	mqttConnack     = 2
	mqttPublish     = 3
	mqttPuback      = 4
	mqttPubrec      = 5
	mqttPubrel      = 6
	mqttPubcomp     = 7
	mqttSubscribe   = 8
	mqttSuback      = 9
	mqttUnsubscribe = 10
	mqttUnsuback    = 11
	mqttPingreq     = 12
	mqttPingresp    = 13
	mqttDisconnect  = 14
)

// mqttMaxString is the longest MQTT string (a u16 length), and
// mqttMaxDigits the most digits "%d" can become (an int64).
const (
	mqttMaxString = 65535
	mqttMaxDigits = 20
)

// mqttMaxBytes is the largest publish payload the client sends (Bytes).
const mqttMaxBytes = 16 << 20

// The client's bits in the low 24 bits of pb (see mqttClient.feed).
const (
	mqPhase    = 0xf     // bits 0..3: what the next byte is (mqph*)
	mqConnack  = 1 << 4  // CONNACK accepted
	mqReady    = 1 << 5  // handshake done (the worker sets pbReady only after feed returns)
	mqBeat     = 1 << 6  // the publish payload so far matches markBeat
	mqKeep     = 1 << 7  // the publish payload so far matches markKeep
	mqHdrShift = 8       // bits 8..15: the fixed header byte of the packet being read
	mqLenShift = 16      // bits 16..17: continuation bytes of the remaining length read so far (0..3)
	mqLenMask  = 3 << 16 // the bits of that count
)

// Phases of the client's framer (pb & mqPhase).
const (
	mqphHeader   = iota // the next byte is a fixed header
	mqphLength          // reading the remaining-length varint (pa gathers it)
	mqphConnack         // CONNACK body; sub = offset
	mqphSuback          // handshake SUBACK body; sub = offset
	mqphTopicLen        // PUBLISH topic length; sub = 0, or 0x100|high byte
	mqphTopic           // PUBLISH topic; sub = bytes of it left
	mqphPayload         // PUBLISH payload's stamp; sub = offset (< 16)
	mqphSkip            // the rest of the packet (pa bytes); for PUBLISH sub = 16
)

// mqttClient is the MQTT 3.1.1 client framer. CONNECT (and, in publish
// mode, SUBSCRIBE to the connection's own topic in the same write) is the
// handshake; the timed request is PINGREQ (in order: PINGRESP carries
// nothing back) or a QoS 0 PUBLISH whose payload starts with a stamp, timed
// when the broker delivers it back to the subscribed publisher. Packets are
// framed by their remaining length and skipped where they lie, never
// buffered. It does not speak MQTT 5, QoS 1 or 2 deliveries (it subscribes
// at QoS 0), or sessions kept across connections (clean session only).
type mqttClient struct {
	publish   bool    // request "publish" (else "ping")
	keepAlive uint16  // CONNECT keep-alive, seconds
	id        message // ClientId template ("%d" = connection index)
	topic     message // publish topic template ("%d" = connection id)
	bytes     int     // publish payload size (>= 16)
	indexBase int64
}

// newMQTTClient checks o and returns the MQTT client framer; indexBase +
// the local index is a connection's number for ClientID's "%d".
func newMQTTClient(o ProtoOptions, indexBase int64) (clientProto, error) {
	m := &mqttClient{indexBase: indexBase, bytes: o.Bytes}
	switch o.Request {
	case "", "ping":
	case "publish":
		m.publish = true
	default:
		return nil, fmt.Errorf("mqtt request %q is not known: set request to \"ping\" (PINGREQ, the default) or \"publish\" (a QoS 0 PUBLISH to topic)", o.Request)
	}
	if o.KeepAlive < 0 {
		return nil, fmt.Errorf("mqtt keep-alive %v is negative: set keep_alive_ns to 0 (none) or a positive duration", o.KeepAlive)
	}
	m.keepAlive = 65535 // the most CONNECT carries
	if o.KeepAlive < 65535*time.Second {
		m.keepAlive = uint16((o.KeepAlive + time.Second - 1) / time.Second) // ceil
	}
	if err := mqttCheckString(o.ClientID); err != nil {
		return nil, fmt.Errorf("mqtt client_id %q: %w", o.ClientID, err)
	}
	m.id = parseMessage(o.ClientID)
	if m.bytes == 0 {
		m.bytes = stampSize
	}
	if m.bytes < stampSize || m.bytes > mqttMaxBytes {
		return nil, fmt.Errorf("mqtt bytes %d is out of range: set bytes to 0 (the default, 16) or %d to %d (the payload starts with a 16-byte stamp)", o.Bytes, stampSize, mqttMaxBytes)
	}
	if m.publish {
		if o.Topic == "" {
			return nil, errors.New("mqtt request \"publish\" needs a topic each connection subscribes to: set topic, e.g. \"c1m/%d\" (%d = the connection's id)")
		}
		if strings.ContainsAny(o.Topic, "+#") {
			return nil, fmt.Errorf("mqtt topic %q holds a wildcard (+ or #), which a PUBLISH may not: set a plain topic name such as \"c1m/%%d\"", o.Topic)
		}
		if err := mqttCheckString(o.Topic); err != nil {
			return nil, fmt.Errorf("mqtt topic %q: %w", o.Topic, err)
		}
	}
	m.topic = parseMessage(o.Topic)
	return m, nil
}

// mqttCheckString reports why template s cannot become an MQTT string
// (UTF-8 without U+0000, at most 65535 bytes once "%d" is a number).
func mqttCheckString(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8: use UTF-8 text")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("holds a NUL character, which MQTT forbids: remove it")
	}
	if len(s) > mqttMaxString-mqttMaxDigits {
		return fmt.Errorf("%d bytes long: keep it under %d bytes", len(s), mqttMaxString-mqttMaxDigits)
	}
	return nil
}

// mqttStringLen is the length of template m with "%d" made n.
func mqttStringLen(m *message, n int64) int {
	l := len(m.pre)
	if m.hasIndex {
		var digits [mqttMaxDigits]byte
		l += len(strconv.AppendInt(digits[:0], n, 10)) + len(m.post)
	}
	return l
}

// appendMQTTLen appends n as an MQTT remaining-length varint (n below 2^28).
func appendMQTTLen(dst []byte, n int) []byte {
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	return append(dst, byte(n))
}

// appendMQTTString appends template m with "%d" made n, u16-length first.
func appendMQTTString(dst []byte, m *message, n int64) []byte {
	l := mqttStringLen(m, n)
	dst = append(dst, byte(l>>8), byte(l))
	return m.appendTo(dst, n)
}

// connID is the number a publish topic's "%d" becomes on socket fd: unique
// among the run's open connections (IndexBase × 2^20 + fd).
func (m *mqttClient) connID(fd int) int64 { return m.indexBase<<20 + int64(fd) }

// hello appends CONNECT (level 4, clean session) and, in publish mode,
// SUBSCRIBE (packet id 1, QoS 0) to the connection's own topic: a client
// may send packets before CONNACK [MQTT-3.1.4-5], so one write does both.
func (m *mqttClient) hello(dst []byte, idx uint32, fd int) []byte {
	n := m.indexBase + int64(idx)
	dst = append(dst, mqttConnect<<4)
	dst = appendMQTTLen(dst, 10+2+mqttStringLen(&m.id, n))
	dst = append(dst, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, byte(m.keepAlive>>8), byte(m.keepAlive))
	dst = appendMQTTString(dst, &m.id, n)
	if m.publish {
		id := m.connID(fd)
		dst = append(dst, mqttSubscribe<<4|2)
		dst = appendMQTTLen(dst, 2+2+mqttStringLen(&m.topic, id)+1)
		dst = append(dst, 0, 1)
		dst = appendMQTTString(dst, &m.topic, id)
		dst = append(dst, 0)
	}
	return dst
}

// request appends PINGREQ, or in publish mode a QoS 0 PUBLISH to the
// connection's topic whose payload is the stamp of t and zeros up to bytes.
func (m *mqttClient) request(dst []byte, t uint64, fd int) []byte {
	if !m.publish {
		return append(dst, mqttPingreq<<4, 0)
	}
	id := m.connID(fd)
	dst = append(dst, mqttPublish<<4)
	dst = appendMQTTLen(dst, 2+mqttStringLen(&m.topic, id)+m.bytes)
	dst = appendMQTTString(dst, &m.topic, id)
	dst = appendStamp(dst, t, markBeat)
	return append(dst, make([]byte, m.bytes-stampSize)...)
}

// keepalive appends PINGREQ (both modes; its PINGRESP is an untimed reply).
func (m *mqttClient) keepalive(dst []byte) []byte { return append(dst, mqttPingreq<<4, 0) }

// pong appends nothing: an MQTT server never pings.
func (m *mqttClient) pong(dst []byte, payload []byte) []byte { return dst }

// echoes is true in publish mode (the delivered PUBLISH brings the stamp
// back), false in ping mode (PINGRESPs answer PINGREQs in order).
func (m *mqttClient) echoes() bool { return m.publish }

// feed frames MQTT packets byte-exactly with the state in the slot:
// pb & mqPhase says what the next byte is, pa gathers the remaining length
// and then counts the packet's bytes left, sub is the offset inside the
// part being read (CONNACK, SUBACK, topic length, topic, stamp), and pb
// bits 8..15 keep the packet's first byte. idx is left alone during the
// handshake and after it in ping mode; in publish mode it gathers a
// delivered PUBLISH's stamp.
func (m *mqttClient) feed(c *conn, b []byte, s sink) bool {
	for i := 0; i < len(b); {
		switch c.pb & mqPhase {
		case mqphHeader:
			h := b[i]
			i++
			if kind := m.headerKind(c, h); kind != "" {
				s.garbled(c, kind)
				return false
			}
			c.pb = c.pb&^(0xff<<mqHdrShift|mqLenMask|mqPhase) | uint32(h)<<mqHdrShift | mqphLength
			c.pa = 0
		case mqphLength:
			x := b[i]
			i++
			k := (c.pb & mqLenMask) >> mqLenShift
			c.pa |= uint32(x&0x7f) << (7 * k)
			if x&0x80 != 0 {
				if k == 3 {
					s.garbled(c, "mqtt-bad-length")
					return false
				}
				c.pb += 1 << mqLenShift
				continue
			}
			if !m.body(c, s) {
				return false
			}
		case mqphConnack:
			x := b[i]
			i++
			c.pa--
			if c.sub == 0 {
				c.sub = 1 // session present: ignored (clean session)
				continue
			}
			if x != 0 {
				s.refused(c, "connack-"+strconv.Itoa(int(x)))
				return false
			}
			c.pb = c.pb&^mqPhase | mqConnack | mqphHeader
			if !m.publish {
				c.pb |= mqReady
				s.ready(c)
			}
		case mqphSuback:
			x := b[i]
			i++
			c.pa--
			switch {
			case c.sub < 2 && x == byte(c.sub): // packet id 1: 0x00 0x01
				c.sub++
			case c.sub < 2:
				s.garbled(c, "mqtt-bad-handshake")
				return false
			case x == 0x80:
				s.refused(c, "suback-128")
				return false
			case x > 2:
				s.garbled(c, "mqtt-bad-handshake")
				return false
			default:
				c.pb = c.pb&^mqPhase | mqReady | mqphHeader
				s.ready(c)
			}
		case mqphTopicLen:
			x := b[i]
			i++
			c.pa--
			if c.sub == 0 {
				c.sub = 0x100 | uint16(x)
				continue
			}
			tl := (c.sub&0xff)<<8 | uint16(x)
			if tl == 0 || uint32(tl) > c.pa {
				s.garbled(c, "mqtt-bad-packet")
				return false
			}
			c.sub = tl
			c.pb = c.pb&^mqPhase | mqphTopic
		case mqphTopic:
			n := min(len(b)-i, int(c.sub))
			i += n
			c.sub -= uint16(n)
			c.pa -= uint32(n)
			if c.sub > 0 {
				continue
			}
			c.pb = c.pb&^mqPhase | mqphPayload
			if m.publish {
				c.pb |= mqBeat | mqKeep
				c.idx = 0
			}
			if c.pa == 0 {
				m.publishEnd(c, s)
			}
		case mqphPayload:
			x := b[i]
			i++
			c.pa--
			if off := int(c.sub); off < 8 {
				if m.publish {
					c.addStampByte(off, x)
				}
			} else {
				if x != markBeat[off-8] {
					c.pb &^= mqBeat
				}
				if x != markKeep[off-8] {
					c.pb &^= mqKeep
				}
			}
			c.sub++
			if c.sub == stampSize {
				c.pb = c.pb&^mqPhase | mqphSkip
			}
			if c.pa == 0 {
				m.publishEnd(c, s)
			}
		case mqphSkip:
			n := min(len(b)-i, int(c.pa))
			i += n
			c.pa -= uint32(n)
			if c.pa > 0 {
				continue
			}
			if (c.pb>>mqHdrShift)&0xff>>4 == mqttPublish {
				m.publishEnd(c, s)
			} else {
				c.pb &^= mqPhase
				s.push(c)
			}
		}
	}
	return true
}

// headerKind checks a packet's first byte h against where the connection
// is: "" when the packet may come, else the garbled kind.
func (m *mqttClient) headerKind(c *conn, h byte) string {
	if c.pb&mqReady == 0 {
		switch {
		case c.pb&mqConnack == 0 && h == mqttConnack<<4:
		case c.pb&mqConnack != 0 && h == mqttSuback<<4:
		default:
			return "mqtt-bad-handshake"
		}
		return ""
	}
	switch h >> 4 {
	case mqttPublish:
		if h&0x06 == 0x06 {
			return "mqtt-bad-packet" // QoS 3
		}
		if h&0x06 != 0 {
			return "mqtt-unexpected-qos"
		}
	case mqttSuback, mqttUnsuback, mqttPuback, mqttPingresp:
		if h&0x0f != 0 {
			return "mqtt-bad-packet"
		}
	case mqttDisconnect:
		return "mqtt-disconnect"
	default:
		return "mqtt-bad-packet"
	}
	return ""
}

// body starts the body of the packet whose remaining length pa has just
// been read; it returns false when the connection must end.
func (m *mqttClient) body(c *conn, s sink) bool {
	c.sub = 0
	c.pb &^= mqPhase
	switch (c.pb >> mqHdrShift) & 0xff >> 4 {
	case mqttConnack:
		if c.pa != 2 {
			s.garbled(c, "mqtt-bad-handshake")
			return false
		}
		c.pb |= mqphConnack
	case mqttSuback:
		if c.pb&mqReady == 0 {
			if c.pa != 3 {
				s.garbled(c, "mqtt-bad-handshake")
				return false
			}
			c.pb |= mqphSuback
			return true
		}
		m.skipOrPush(c, s)
	case mqttPublish:
		if c.pa < 2 {
			s.garbled(c, "mqtt-bad-packet")
			return false
		}
		c.pb = c.pb&^(mqBeat|mqKeep) | mqphTopicLen
	case mqttPingresp:
		if c.pa != 0 {
			s.garbled(c, "mqtt-bad-packet")
			return false
		}
		s.reply(c, 0, false, false)
	default: // UNSUBACK, PUBACK: skipped, pushed
		m.skipOrPush(c, s)
	}
	return true
}

// skipOrPush skips the rest of an unasked packet (pa bytes) and pushes it.
func (m *mqttClient) skipOrPush(c *conn, s sink) {
	if c.pa == 0 {
		s.push(c)
		return
	}
	c.pb |= mqphSkip
}

// publishEnd ends a delivered PUBLISH: a payload that starts with our
// stamp is a reply (timed for markBeat), any other a push.
func (m *mqttClient) publishEnd(c *conn, s sink) {
	c.pb &^= mqPhase
	switch {
	case c.sub == stampSize && c.pb&mqBeat != 0:
		s.reply(c, c.idx, true, true)
	case c.sub == stampSize && c.pb&mqKeep != 0:
		s.reply(c, 0, true, false)
	default:
		s.push(c)
	}
	c.pb &^= mqBeat | mqKeep
	c.sub = 0
	if m.publish {
		c.idx = 0
	}
}

// The server's bits in the low 24 bits of pb.
const (
	mqsConnected  = 1 << 0 // CONNECT answered
	mqsSubscribed = 1 << 1 // a SUBSCRIBE answered: publishes come back
	mqsV5         = 1 << 2 // the client speaks MQTT 5 (protocol level 5)
)

// mqttMaxRequest is the longest packet the stand-in broker takes.
const mqttMaxRequest = 64 << 10
