package nodes

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// WebSocket (RFC 6455): the client upgrades with one HTTP/1.1 request,
// then times masked pings (their pongs bring the stamp back) or masked
// text frames (an echo endpoint brings them back), and answers the
// server's pings. The server is the laboratory's stand-in: it upgrades,
// answers pings with pongs and echoes data frames.

// wsGUID is what the handshake appends to the key before hashing it
// (RFC 6455 1.3).
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WebSocket opcodes (RFC 6455 5.2).
const (
	wsOpCont  = 0x0
	wsOpText  = 0x1
	wsOpBin   = 0x2
	wsOpClose = 0x8
	wsOpPing  = 0x9
	wsOpPong  = 0xA
)

// WebSocket sizes and bounds.
const (
	wsMaxHeader     = 8 << 10  // longest handshake request or answer
	wsMaxControl    = 125      // longest control frame payload (RFC 6455 5.5)
	wsServerPayload = 64 << 10 // longest frame payload the stand-in server takes
	wsMaxBytes      = 16 << 20 // longest text request payload (ProtoOptions.Bytes)
	wsMaxKey        = 64       // longest Sec-WebSocket-Key the server hashes
	wsKeyLen        = 24       // base64 of the 16-byte nonce
	wsAcceptLen     = 28       // base64 of a SHA-1
	wsFrameMax      = 14       // longest frame header: 2 + 8 length + 4 mask
)

// The client's bits of pb (pbFramer). Bits 0-3 are the stage; the others
// mean one thing during the handshake and another after it.
const (
	wsStage = 0xF // the stage (wsHs… then wsFr…)

	// Handshake: the Sec-WebSocket-Accept seen was right.
	wsAcceptOK = 1 << 4

	// Frames.
	wsOpShift     = 4       // bits 4-7: the current frame's opcode
	wsFin         = 1 << 8  // the current frame is final
	wsMsgOpen     = 1 << 9  // a data message is in progress (until its final frame ends)
	wsMsgVShift   = 10      // bits 10-11: the message's stamp verdict (wsV…)
	wsMsgPosShift = 12      // bits 12-16: stamp bytes of the message read (0-16)
	wsCtlVShift   = 17      // bits 17-18: the current pong's stamp verdict (wsV…)
	wsCtlNoIdx    = 1 << 19 // the current pong does not gather into idx: a message's stamp is there
)

// Client stages (bits 0-3 of pb). The handshake's come first, so a fresh
// slot (pb 0) starts at the status line. During the handshake pa counts
// the answer's bytes (bits 0-15) and holds the status code (bits 16-25),
// and sub is the position in the token being matched. During frames pa
// is the payload left of the current frame (or the length being read)
// and sub the length bytes left to read or the position in a pong's
// payload.
const (
	wsHsVersion    = iota // "HTTP/1.x ": sub = position
	wsHsCode              // the 3 digits: sub = digits read
	wsHsAfterCode         // the byte after the code
	wsHsSkipLine          // the rest of a line, up to LF
	wsHsLineStart         // a header line's first byte (or the end's CR)
	wsHsName              // matching "sec-websocket-accept": sub = position
	wsHsValueLead         // spaces and tabs before the accept value
	wsHsValue             // the accept value: sub = position
	wsHsValueTrail        // spaces and tabs after it
	wsHsEndLF             // the LF of the empty line
	wsFrHdr0              // frame byte 0: FIN, RSV, opcode
	wsFrHdr1              // frame byte 1: MASK, length
	wsFrLen               // extended length: sub = bytes left
	wsFrPayload           // payload: pa = bytes left
)

// Stamp verdicts: what the 8 marker bytes of a stamp read so far say.
// markBeat and markKeep share their first 4 bytes, so a stamp is
// wsVBeat until byte 12 tells them apart.
const (
	wsVBeat    = 0 // so far markBeat (or still undecided)
	wsVKeep    = 1 // so far markKeep
	wsVForeign = 2 // not a stamp of ours
)

// wsAcceptName is the header the client checks, lower case.
const wsAcceptName = "sec-websocket-accept"

// wsTemplate is a string whose "%d"s become the connection's number: the
// parts between them.
type wsTemplate []string

// newWSTemplate splits s at its "%d"s.
func newWSTemplate(s string) wsTemplate { return strings.Split(s, "%d") }

// append appends the template with n for each "%d".
func (t wsTemplate) append(dst []byte, n int64) []byte {
	for i, part := range t {
		if i > 0 {
			dst = strconv.AppendInt(dst, n, 10)
		}
		dst = append(dst, part...)
	}
	return dst
}

// wsClient is the WebSocket client framer. It holds no per-connection
// state: a connection's key is recomputed from its index and the
// framer's secret, and its parse state lives in the slot.
type wsClient struct {
	text      bool  // request "text" (else "ping")
	bytes     int   // text payload size
	indexBase int64 // added to idx for the connection's number
	path      wsTemplate
	host      wsTemplate
	headers   []wsTemplate
	secret    [16]byte      // keys are derived from it and the connection's number
	mask      atomic.Uint64 // masking keys: a splitmix64 sequence seeded from crypto/rand
}

// newWebSocketClient makes the WebSocket client framer: defaults Path "/",
// Host "localhost", Request "ping", Bytes 16; "%d" in Path, Host and
// Headers becomes indexBase + the connection's index.
func newWebSocketClient(o ProtoOptions, indexBase int64) (clientProto, error) {
	p := &wsClient{indexBase: indexBase, bytes: o.Bytes}
	switch o.Request {
	case "", "ping":
	case "text":
		p.text = true
	default:
		return nil, fmt.Errorf("websocket request %q is unknown: use \"ping\" (a ping frame, timed by its pong) or \"text\" (a text frame to an echo endpoint)", o.Request)
	}
	switch {
	case p.bytes == 0:
		p.bytes = wsTextStampSize
	case p.bytes > wsMaxBytes:
		return nil, fmt.Errorf("websocket bytes %d is out of range: use at most %d", p.bytes, wsMaxBytes)
	}
	// A text frame must be valid UTF-8 (RFC 6455 8.1: servers close on
	// anything else), so its stamp is text: at least wsTextStampSize.
	p.bytes = max(p.bytes, wsTextStampSize)
	path := o.Path
	if path == "" {
		path = "/"
	}
	if strings.ContainsAny(path, " \t\r\n") || !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("websocket path %q is not a request target: use one that starts with / and holds no spaces or line breaks (escape them as %%20)", path)
	}
	host := o.Host
	if host == "" {
		host = "localhost"
	}
	if strings.ContainsAny(host, " \t\r\n") {
		return nil, fmt.Errorf("websocket host %q holds spaces or line breaks: use host or host:port", host)
	}
	p.path, p.host = newWSTemplate(path), newWSTemplate(host)
	for _, h := range o.Headers {
		name, _, ok := strings.Cut(h, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") || strings.ContainsAny(h, "\r\n") {
			return nil, fmt.Errorf("websocket header %q is not a header line: use \"Name: value\" on one line", h)
		}
		p.headers = append(p.headers, newWSTemplate(h))
	}
	var seed [8]byte
	if _, err := rand.Read(p.secret[:]); err != nil {
		return nil, fmt.Errorf("failed to draw the websocket key secret: %w", err)
	}
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("failed to seed the websocket masking keys: %w", err)
	}
	p.mask.Store(binary.LittleEndian.Uint64(seed[:]))
	return p, nil
}

// key is the Sec-WebSocket-Key of connection idx: base64 of 16 bytes of
// SHA-256(secret, number), unpredictable, unique per connection and
// recomputable, so the slot keeps nothing of it.
func (p *wsClient) key(idx uint32) (k [wsKeyLen]byte) {
	var in [24]byte
	copy(in[:16], p.secret[:])
	binary.LittleEndian.PutUint64(in[16:], uint64(p.indexBase+int64(idx)))
	sum := sha256.Sum256(in[:])
	base64.StdEncoding.Encode(k[:], sum[:16])
	return k
}

// wsAccept is the Sec-WebSocket-Accept of key: base64(SHA-1(key + GUID)).
// key must be at most wsMaxKey bytes.
func wsAccept(key []byte) (a [wsAcceptLen]byte) {
	var in [wsMaxKey + len(wsGUID)]byte
	n := copy(in[:], key)
	n += copy(in[n:], wsGUID)
	sum := sha1.Sum(in[:n])
	base64.StdEncoding.Encode(a[:], sum[:])
	return a
}

// nextMask is a fresh masking key (RFC 6455 5.3): the next splitmix64
// output of the framer's sequence, safe to draw from several workers.
func (p *wsClient) nextMask() [4]byte {
	z := p.mask.Add(0x9e3779b97f4a7c15)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], uint32(z>>32))
	return k
}

// wsAppendHeader appends a frame header: byte 0 b0 (FIN, opcode), the
// payload length n in its shortest form, and the masking key when mask is
// not nil.
func wsAppendHeader(dst []byte, b0 byte, n int, mask *[4]byte) []byte {
	var m byte
	if mask != nil {
		m = 0x80
	}
	switch {
	case n <= wsMaxControl:
		dst = append(dst, b0, m|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, b0, m|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, b0, m|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if mask != nil {
		dst = append(dst, mask[:]...)
	}
	return dst
}

// appendMasked appends a final masked frame of opcode op carrying payload.
func (p *wsClient) appendMasked(dst []byte, op byte, payload []byte) []byte {
	k := p.nextMask()
	dst = wsAppendHeader(dst, 0x80|op, len(payload), &k)
	for i, x := range payload {
		dst = append(dst, x^k[i&3])
	}
	return dst
}

// hello appends the upgrade request of connection idx.
func (p *wsClient) hello(dst []byte, idx uint32, fd int) []byte {
	n := p.indexBase + int64(idx)
	dst = append(dst, "GET "...)
	dst = p.path.append(dst, n)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = p.host.append(dst, n)
	dst = append(dst, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "...)
	k := p.key(idx)
	dst = append(dst, k[:]...)
	dst = append(dst, "\r\nSec-WebSocket-Version: 13\r\n"...)
	for _, h := range p.headers {
		dst = h.append(dst, n)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// wsTextStampSize is a text frame's stamp: the intended send time as 16
// lower-case hex digits (most significant first), then the marker, all
// ASCII, so the frame is valid UTF-8.
const wsTextStampSize = 16 + 8

// request appends a timed request: a masked ping carrying the stamp, or a
// masked text frame of Bytes whose first 24 are the text stamp (spaces
// after).
func (p *wsClient) request(dst []byte, t uint64, fd int) []byte {
	var buf [wsTextStampSize]byte
	if !p.text {
		return p.appendMasked(dst, wsOpPing, appendStamp(buf[:0], t, markBeat))
	}
	st := append(appendStampHex(buf[:0], t), markBeat[:]...)
	k := p.nextMask()
	dst = slices.Grow(dst, wsFrameMax+p.bytes)
	dst = wsAppendHeader(dst, 0x80|wsOpText, p.bytes, &k)
	for i, x := range st {
		dst = append(dst, x^k[i&3])
	}
	for i := len(st); i < p.bytes; i++ {
		dst = append(dst, ' '^k[i&3])
	}
	return dst
}

// wsTextStampByte is wsStampByte for a text stamp: off 0..15 are hex
// digits of the time (digits 6..13 are its tick: bits 39..8, gathered
// into idx), 16..23 the marker.
func wsTextStampByte(c *conn, off int, x byte, v uint32) uint32 {
	switch {
	case v == wsVForeign:
		return v
	case off < 16:
		var d byte
		switch {
		case x >= '0' && x <= '9':
			d = x - '0'
		case x >= 'a' && x <= 'f':
			d = x - 'a' + 10
		default:
			return wsVForeign
		}
		if off >= 6 && off <= 13 {
			c.idx = c.idx<<4 | uint32(d)
		}
		return v
	}
	return wsStampByte(c, off-8, x, v, false)
}

// keepalive appends an untimed request: a masked ping carrying a markKeep
// stamp.
func (p *wsClient) keepalive(dst []byte) []byte {
	var buf [stampSize]byte
	return p.appendMasked(dst, wsOpPing, appendStamp(buf[:0], 0, markKeep))
}

// pong appends a masked pong carrying payload (a server ping's).
func (p *wsClient) pong(dst []byte, payload []byte) []byte {
	return p.appendMasked(dst, wsOpPong, payload)
}

// echoes is true: pongs and text echoes bring the stamp back.
func (p *wsClient) echoes() bool { return true }

// wsStampByte reads byte x, the off-th (0-15) of a stamp whose verdict so
// far is v, and returns the new verdict; the time bytes go into c.idx when
// gather is set.
func wsStampByte(c *conn, off int, x byte, v uint32, gather bool) uint32 {
	switch {
	case v == wsVForeign:
		return v
	case off < 8:
		if gather {
			c.addStampByte(off, x)
		}
		return v
	case off == 12:
		switch x {
		case markBeat[4]:
			return wsVBeat
		case markKeep[4]:
			return wsVKeep
		}
		return wsVForeign
	}
	m := &markBeat
	if v == wsVKeep {
		m = &markKeep
	}
	if x == m[off-8] {
		return v
	}
	return wsVForeign
}

// feed frames the upgrade answer and then the server's frames.
func (p *wsClient) feed(c *conn, b []byte, s sink) bool {
	var accept [wsAcceptLen]byte
	haveAccept := false
	for i := 0; i < len(b); {
		stage := c.pb & wsStage
		if stage < wsFrHdr0 {
			// The handshake answer, a byte at a time.
			x := b[i]
			i++
			c.pa++
			if c.pa&0xFFFF > wsMaxHeader {
				s.garbled(c, "ws-header-too-long")
				return false
			}
			next := stage
			switch stage {
			case wsHsVersion:
				const v = "HTTP/1."
				switch pos := int(c.sub); {
				case pos < len(v) && x == v[pos]:
				case pos == len(v) && x >= '0' && x <= '9':
				case pos == len(v)+1 && x == ' ':
					next = wsHsCode
				default:
					s.garbled(c, "ws-bad-status")
					return false
				}
				c.sub++
			case wsHsCode:
				if x < '0' || x > '9' {
					s.garbled(c, "ws-bad-status")
					return false
				}
				code := c.pa>>16*10 + uint32(x-'0')
				c.pa = c.pa&0xFFFF | code<<16
				c.sub++
				if c.sub == 3 {
					next = wsHsAfterCode
				}
			case wsHsAfterCode:
				if x != ' ' && x != '\r' && x != '\n' {
					s.garbled(c, "ws-bad-status")
					return false
				}
				if code := c.pa >> 16; code != 101 {
					s.refused(c, fmt.Sprintf("http-%03d", code))
					return false
				}
				next = wsHsSkipLine
				if x == '\n' {
					next = wsHsLineStart
				}
			case wsHsSkipLine:
				if x == '\n' {
					next = wsHsLineStart
				}
			case wsHsLineStart:
				switch {
				case x == '\r':
					next = wsHsEndLF
				case x == '\n':
					if !p.handshakeDone(c, s) {
						return false
					}
					continue
				case x|0x20 == wsAcceptName[0]:
					next, c.sub = wsHsName, 1
				default:
					next = wsHsSkipLine
				}
			case wsHsName:
				pos := int(c.sub)
				switch {
				case pos == len(wsAcceptName) && x == ':':
					next = wsHsValueLead
				case pos < len(wsAcceptName) && wsLower(x) == wsAcceptName[pos]:
					c.sub++
				case x == '\n':
					next = wsHsLineStart
				default:
					next = wsHsSkipLine
				}
			case wsHsValueLead, wsHsValue, wsHsValueTrail:
				if !haveAccept {
					k := p.key(c.idx)
					accept, haveAccept = wsAccept(k[:]), true
				}
				switch {
				case stage == wsHsValueLead && (x == ' ' || x == '\t'):
				case stage == wsHsValueLead && x == accept[0]:
					next, c.sub = wsHsValue, 1
				case stage == wsHsValue && int(c.sub) < wsAcceptLen && x == accept[c.sub]:
					c.sub++
				case stage != wsHsValueLead && int(c.sub) == wsAcceptLen && (x == ' ' || x == '\t'):
					next = wsHsValueTrail
				case stage != wsHsValueLead && int(c.sub) == wsAcceptLen && (x == '\r' || x == '\n'):
					c.pb |= wsAcceptOK
					next = wsHsSkipLine
					if x == '\n' {
						next = wsHsLineStart
					}
				default:
					s.garbled(c, "ws-bad-accept")
					return false
				}
			case wsHsEndLF:
				if x != '\n' {
					// A stray CR at a line's start: a line to skip.
					next = wsHsSkipLine
					break
				}
				if !p.handshakeDone(c, s) {
					return false
				}
				continue
			}
			if next != stage {
				// Name and Value set their position; Trail keeps it.
				if next != wsHsName && next != wsHsValue && next != wsHsValueTrail {
					c.sub = 0
				}
				c.pb = c.pb&^wsStage | next
			}
			continue
		}

		switch stage {
		case wsFrHdr0:
			x := b[i]
			i++
			op := uint32(x & 0xF)
			fin := x&0x80 != 0
			if x&0x70 != 0 {
				s.garbled(c, "ws-bad-frame")
				return false
			}
			open := c.pb&wsMsgOpen != 0
			switch op {
			case wsOpCont:
				if !open {
					s.garbled(c, "ws-bad-frame")
					return false
				}
			case wsOpText, wsOpBin:
				if open {
					s.garbled(c, "ws-bad-frame")
					return false
				}
				v := uint32(wsVForeign)
				if p.text {
					v = wsVBeat
				}
				c.pb = c.pb&^(3<<wsMsgVShift|31<<wsMsgPosShift) | wsMsgOpen | v<<wsMsgVShift
			case wsOpClose, wsOpPing, wsOpPong:
				if !fin {
					s.garbled(c, "ws-bad-frame")
					return false
				}
			default:
				s.garbled(c, "ws-bad-frame")
				return false
			}
			c.pb = c.pb&^(wsStage|0xF<<wsOpShift|wsFin) | wsFrHdr1 | op<<wsOpShift
			if fin {
				c.pb |= wsFin
			}
		case wsFrHdr1:
			x := b[i]
			i++
			op := c.pb >> wsOpShift & 0xF
			n := uint32(x & 0x7F)
			switch {
			case x&0x80 != 0:
				s.garbled(c, "ws-masked")
				return false
			case op&8 != 0 && n > wsMaxControl:
				s.garbled(c, "ws-bad-frame")
				return false
			case op == wsOpClose:
				s.garbled(c, "ws-close")
				return false
			}
			switch n {
			case 126:
				c.pa, c.sub = 0, 2
				c.pb = c.pb&^wsStage | wsFrLen
			case 127:
				c.pa, c.sub = 0, 8
				c.pb = c.pb&^wsStage | wsFrLen
			default:
				c.pa = n
				p.startPayload(c, s)
			}
		case wsFrLen:
			x := b[i]
			i++
			if c.sub > 4 && x != 0 {
				s.garbled(c, "ws-too-long")
				return false
			}
			c.pa = c.pa<<8 | uint32(x)
			c.sub--
			if c.sub == 0 {
				p.startPayload(c, s)
			}
		case wsFrPayload:
			op := c.pb >> wsOpShift & 0xF
			n := min(uint32(len(b)-i), c.pa)
			switch op {
			case wsOpPing:
				piece := b[i : i+int(n)]
				i += int(n)
				c.pa -= n
				s.ping(c, piece, c.pa == 0)
			case wsOpPong:
				v := c.pb >> wsCtlVShift & 3
				gather := c.pb&wsCtlNoIdx == 0
				for ; n > 0 && v != wsVForeign; n-- {
					v = wsStampByte(c, int(c.sub), b[i], v, gather)
					c.sub++
					i++
					c.pa--
				}
				i += int(n)
				c.pa -= n
				c.pb = c.pb&^(3<<wsCtlVShift) | v<<wsCtlVShift
			default:
				v := c.pb >> wsMsgVShift & 3
				pos := c.pb >> wsMsgPosShift & 31
				for ; n > 0 && v != wsVForeign && int(pos) < p.stampLen(); n-- {
					if p.text {
						v = wsTextStampByte(c, int(pos), b[i], v)
					} else {
						v = wsStampByte(c, int(pos), b[i], v, true)
					}
					if v == wsVForeign {
						c.idx = 0
					}
					pos++
					i++
					c.pa--
				}
				i += int(n)
				c.pa -= n
				c.pb = c.pb&^(3<<wsMsgVShift|31<<wsMsgPosShift) | v<<wsMsgVShift | pos<<wsMsgPosShift
			}
			if c.pa == 0 {
				p.endFrame(c, s)
			}
		}
	}
	return true
}

// stampLen is the size of the stamp a data message of ours starts with:
// the text stamp in "text" mode (data messages are pushes otherwise).
func (p *wsClient) stampLen() int {
	if p.text {
		return wsTextStampSize
	}
	return stampSize
}

// wsLower is x in lower case when it is an ASCII letter.
func wsLower(x byte) byte {
	if x >= 'A' && x <= 'Z' {
		return x + 'a' - 'A'
	}
	return x
}

// handshakeDone ends the upgrade answer at its empty line: ready when the
// accept was right (idx then starts gathering stamps), else garbled.
func (p *wsClient) handshakeDone(c *conn, s sink) bool {
	if c.pb&wsAcceptOK == 0 {
		s.garbled(c, "ws-bad-accept")
		return false
	}
	s.ready(c)
	c.idx, c.pa, c.sub = 0, 0, 0
	c.pb = c.pb&^pbFramer | wsFrHdr0
	return true
}

// startPayload begins the current frame's payload (pa bytes): a pong is
// a stamp of ours only when 16 bytes long, and gathers into idx unless a
// text echo's stamp is there already.
func (p *wsClient) startPayload(c *conn, s sink) {
	c.sub = 0
	c.pb = c.pb&^(wsStage|3<<wsCtlVShift|wsCtlNoIdx) | wsFrPayload
	if c.pb>>wsOpShift&0xF == wsOpPong {
		if c.pa != stampSize {
			c.pb |= wsVForeign << wsCtlVShift
		}
		if c.pb&wsMsgOpen != 0 && c.pb>>wsMsgVShift&3 != wsVForeign && c.pb>>wsMsgPosShift&31 > 0 {
			c.pb |= wsCtlNoIdx
		}
	}
	if c.pa == 0 {
		if c.pb>>wsOpShift&0xF == wsOpPing {
			s.ping(c, nil, true)
		}
		p.endFrame(c, s)
	}
}

// endFrame ends the current frame, its payload read: a pong is a reply
// or a push; a data message's final frame is its echo or a push.
func (p *wsClient) endFrame(c *conn, s sink) {
	op := c.pb >> wsOpShift & 0xF
	c.pb = c.pb&^wsStage | wsFrHdr0
	c.sub = 0
	switch op {
	case wsOpPing:
	case wsOpPong:
		v := c.pb >> wsCtlVShift & 3
		noIdx := c.pb&wsCtlNoIdx != 0
		switch {
		case v == wsVBeat && !noIdx:
			s.reply(c, c.idx, true, true)
		case v == wsVKeep:
			s.reply(c, 0, true, false)
		default:
			s.push(c)
		}
		if !noIdx {
			c.idx = 0
		}
	default:
		if c.pb&wsFin == 0 {
			return
		}
		v := c.pb >> wsMsgVShift & 3
		pos := c.pb >> wsMsgPosShift & 31
		switch {
		case int(pos) == p.stampLen() && v == wsVBeat:
			s.reply(c, c.idx, true, true)
		case int(pos) == p.stampLen() && v == wsVKeep:
			s.reply(c, 0, true, false)
		default:
			s.push(c)
		}
		c.idx = 0
		c.pb &^= wsMsgOpen | 3<<wsMsgVShift | 31<<wsMsgPosShift
	}
}
