package nodes

import (
	"fmt"
	"strings"
)

// memcached (text and meta protocol). The client's timed request is one
// of three (ProtoOptions.Request):
//
//	"mn" (default)  mn\r\n → MN\r\n, answered in order
//	"version"       version\r\n → VERSION <v>\r\n, answered in order
//	"mg"            mg c1m-ka O<16 hex digits of t>\r\n → HD O<same>\r\n:
//	                the opaque token brings the stamp back (echoes)
//
// memcached's doc/protocol.txt says a meta get miss is "EN\r\n" and does
// not say that the opaque comes back with it (its code does copy O and k
// onto EN since 1.6). So in "mg" mode the handshake stores the key first
// (ms c1m-ka 1\r\nx\r\n → HD), making every mg a hit; an EN that carries
// the token anyway is timed, one without it (the key was evicted) is
// answered untimed. The keep-alive is mn\r\n in every mode.
//
// The client frames reply lines streaming. Its slot while a reply is
// read:
//
//	sub  bits 0..2    the state (mc…)
//	     bits 3..7    the reply's code (mcCodes; while the code is read,
//	                  the index of the first code it may be)
//	     bits 8..12   bytes of the code read, or digits of the token read
//	     bit 13       VA's size was read
//	     bit 14       an opaque token of 16 hex digits was read
//	pa   VA's size, then the bytes of its data block left (CRLF included)
//	pb   (low 24 bits) the length of the line so far
//	idx  ("mg", after the handshake) the stamp's tick, from the token's
//	     hex digits 6..13 (bits 8..39 of the time)
const (
	mcCode   uint16 = iota // the reply's code word
	mcTok                  // at a token's start (after a space)
	mcSize                 // VA's size
	mcOpaque               // an O token's hex digits
	mcSkip                 // a token the client does not read
	mcLF                   // the '\n' after the line's '\r'
	mcData                 // VA's data block: pa = bytes left, CRLF included

	mcStateMask  uint16 = 0x7
	mcCodeShift         = 3
	mcCodeMask   uint16 = 0x1f << mcCodeShift
	mcCountShift        = 8
	mcCountMask  uint16 = 0x1f << mcCountShift
	mcSizeDone   uint16 = 1 << 13
	mcGotStamp   uint16 = 1 << 14

	mcCountBad = 31 // the count of a token that is not 16 lowercase hex digits
)

// The reply codes the client knows, the indexes of mcCodes (sorted, as
// mcWordTable wants).
const (
	mcClientError = iota
	mcEN
	mcEND
	mcError
	mcEX
	mcHD
	mcMN
	mcNF
	mcNS
	mcServerError
	mcVA
	mcVersion
	mcUnknown // no code: len(mcCodes)
)

// mcCodes are the reply codes the client knows, sorted.
var mcCodes = mcWordTable{"CLIENT_ERROR", "EN", "END", "ERROR", "EX", "HD", "MN", "NF", "NS", "SERVER_ERROR", "VA", "VERSION"}

// mcRefusals are the kinds of the handshake's refusals, by code.
var mcRefusals = [mcUnknown]string{
	mcClientError: "memcached-client-error",
	mcError:       "memcached-error",
	mcEX:          "memcached-ex",
	mcNF:          "memcached-nf",
	mcNS:          "memcached-ns",
	mcServerError: "memcached-server-error",
}

// Limits of the memcached framers.
const (
	mcMaxLine    = 8 << 10  // the longest reply line
	mcMaxValue   = 1 << 30  // the largest VA data block (memcached's -I at most)
	mcMaxDigits  = 10       // digits of VA's size
	mcMaxRequest = 64 << 10 // the longest request the server waits for
	mcMaxKey     = 250      // memcached's longest key
	mcMaxOpaque  = 32       // memcached's longest opaque token
)

// Requests of the client.
const (
	mcKey        = "c1m-ka"
	mcHello      = "ms " + mcKey + " 1\r\nx\r\n"
	mcNoop       = "mn\r\n"
	mcVersionReq = "version\r\n"
	mcGetHead    = "mg " + mcKey + " O"
)

// The client's modes (its timed request).
const (
	mcModeMN uint8 = iota
	mcModeVersion
	mcModeMG
)

// mcWordTable is a sorted list of words a framer recognises a byte at a
// time, keeping only (i, pos): pos bytes were read, and i is the first
// word that starts with them, len(t) when none does.
type mcWordTable []string

// next is i after byte x, the pos-th of the word.
func (t mcWordTable) next(i, pos int, x byte) int {
	if i >= len(t) {
		return len(t)
	}
	prefix := t[i][:pos] // t[i] starts with the pos bytes read
	for j := i; j < len(t) && strings.HasPrefix(t[j], prefix); j++ {
		if len(t[j]) > pos {
			if t[j][pos] == x {
				return j
			}
			if t[j][pos] > x {
				break
			}
		}
	}
	return len(t)
}

// end is the word read (its index), len(t) when it is none of t.
func (t mcWordTable) end(i, pos int) int {
	if i < len(t) && len(t[i]) == pos {
		return i
	}
	return len(t)
}

// mcClient is memcached's client framer; mode is its timed request. It
// keeps nothing per connection (see the slot above).
type mcClient struct {
	mode uint8
}

// newMemcachedClient makes the memcached client framer: Request "mn"
// (default), "version" or "mg". indexBase is unused: every connection
// uses the same key.
func newMemcachedClient(o ProtoOptions, indexBase int64) (clientProto, error) {
	switch o.Request {
	case "", "mn":
		return mcClient{mode: mcModeMN}, nil
	case "version":
		return mcClient{mode: mcModeVersion}, nil
	case "mg":
		return mcClient{mode: mcModeMG}, nil
	}
	return nil, fmt.Errorf("memcached has no request %q: use \"mn\" (the default, meta no-op), \"version\" or \"mg\" (meta get with the stamp as its opaque token), or leave request empty", o.Request)
}

// hello appends the handshake of "mg" (storing the key every mg reads);
// the other modes have none.
func (p mcClient) hello(dst []byte, idx uint32, fd int) []byte {
	if p.mode == mcModeMG {
		return append(dst, mcHello...)
	}
	return dst
}

// request appends one timed request intended at t.
func (p mcClient) request(dst []byte, t uint64, fd int) []byte {
	switch p.mode {
	case mcModeVersion:
		return append(dst, mcVersionReq...)
	case mcModeMG:
		dst = append(dst, mcGetHead...)
		dst = appendStampHex(dst, t)
		return append(dst, '\r', '\n')
	}
	return append(dst, mcNoop...)
}

// keepalive appends mn\r\n (all modes).
func (mcClient) keepalive(dst []byte) []byte { return append(dst, mcNoop...) }

// pong appends nothing: memcached never pings a client.
func (mcClient) pong(dst []byte, payload []byte) []byte { return dst }

// echoes is true for "mg", whose opaque token brings the stamp back.
func (p mcClient) echoes() bool { return p.mode == mcModeMG }

// feed frames memcached reply lines (and VA's data blocks).
func (p mcClient) feed(c *conn, b []byte, s sink) bool {
	ready := p.mode != mcModeMG || c.pb&pbReady != 0
	for i := 0; i < len(b); {
		x := b[i]
		st := c.sub & mcStateMask
		switch st {
		case mcData:
			if c.pa > 2 {
				k := min(uint64(c.pa-2), uint64(len(b)-i))
				i += int(k)
				c.pa -= uint32(k)
				continue
			}
			i++
			if c.pa == 2 {
				if x != '\r' {
					return mcBad(c, s)
				}
				c.pa = 1
				continue
			}
			if x != '\n' {
				return mcBad(c, s)
			}
			p.answer(c, s, mcVA)
			mcReset(c)
			continue
		case mcLF:
			i++
			if x != '\n' {
				return mcBad(c, s)
			}
			if !p.lineDone(c, s, &ready) {
				return false
			}
			continue
		}
		// A byte of the line.
		i++
		if x == '\n' {
			return mcBad(c, s)
		}
		if x != '\r' {
			n := c.pb&pbFramer + 1
			if n > mcMaxLine {
				return mcBad(c, s)
			}
			c.pb = c.pb&^pbFramer | n
		}
		code := int(c.sub&mcCodeMask) >> mcCodeShift
		count := int(c.sub&mcCountMask) >> mcCountShift
		if x == ' ' || x == '\r' {
			// The end of a token.
			switch st {
			case mcCode:
				code = mcCodes.end(code, count)
				if code == mcUnknown {
					return mcBad(c, s)
				}
				c.sub = mcTok | uint16(code)<<mcCodeShift
			case mcSize:
				c.sub = c.sub&^(mcStateMask|mcCountMask) | mcTok | mcSizeDone
			case mcOpaque:
				if count == stampSize {
					c.sub |= mcGotStamp
				}
				c.sub = c.sub&^(mcStateMask|mcCountMask) | mcTok
			default:
				c.sub = c.sub&^mcStateMask | mcTok
			}
			if x == '\r' {
				if code == mcVA && c.sub&mcSizeDone == 0 {
					return mcBad(c, s)
				}
				c.sub = c.sub&^mcStateMask | mcLF
			}
			continue
		}
		switch st {
		case mcCode:
			code = mcCodes.next(code, count, x)
			if code == mcUnknown {
				return mcBad(c, s)
			}
			c.sub = mcCode | uint16(code)<<mcCodeShift | uint16(count+1)<<mcCountShift
		case mcTok:
			switch {
			case code == mcVA && c.sub&mcSizeDone == 0:
				if x < '0' || x > '9' {
					return mcBad(c, s)
				}
				c.pa = uint32(x - '0')
				c.sub = c.sub&^(mcStateMask|mcCountMask) | mcSize | 1<<mcCountShift
			case x == 'O' && p.mode == mcModeMG && ready && (code == mcHD || code == mcVA || code == mcEN):
				c.idx = 0
				c.sub = c.sub&^(mcStateMask|mcCountMask|mcGotStamp) | mcOpaque
			default:
				c.sub = c.sub&^mcStateMask | mcSkip
			}
		case mcSize:
			v := uint64(c.pa)*10 + uint64(x-'0')
			if x < '0' || x > '9' || count >= mcMaxDigits || v > mcMaxValue {
				return mcBad(c, s)
			}
			c.pa = uint32(v)
			c.sub = c.sub&^mcCountMask | uint16(count+1)<<mcCountShift
		case mcOpaque:
			if count == mcCountBad {
				break
			}
			d, ok := mcHexDigit(x)
			if !ok || count >= stampSize {
				c.sub |= mcCountMask // mcCountBad
				break
			}
			if count >= 6 && count <= 13 {
				c.idx = c.idx<<4 | uint32(d)
			}
			c.sub = c.sub&^mcCountMask | uint16(count+1)<<mcCountShift
		}
	}
	return true
}

// mcHexDigit is x's value as a lowercase hex digit.
func mcHexDigit(x byte) (byte, bool) {
	switch {
	case x >= '0' && x <= '9':
		return x - '0', true
	case x >= 'a' && x <= 'f':
		return x - 'a' + 10, true
	}
	return 0, false
}

// mcReset makes the slot ready for the next reply line.
func mcReset(c *conn) {
	c.sub, c.pa = mcCode, 0
	c.pb &^= pbFramer
}

// mcBad reports a reply that breaks the protocol and ends the connection.
func mcBad(c *conn, s sink) bool {
	s.garbled(c, "memcached-bad-reply")
	return false
}

// lineDone handles a whole reply line (VA's waits for its data block);
// ready says whether the handshake is done, and becomes true when this
// line completes it. It returns false when the connection must end.
func (p mcClient) lineDone(c *conn, s sink, ready *bool) bool {
	code := int(c.sub&mcCodeMask) >> mcCodeShift
	if !*ready {
		if code == mcHD {
			s.ready(c)
			c.idx = 0 // from now on idx gathers stamps
			*ready = true
			mcReset(c)
			return true
		}
		if kind := mcRefusals[code]; kind != "" {
			s.refused(c, kind)
		} else {
			s.garbled(c, "memcached-bad-reply")
		}
		return false
	}
	switch code {
	case mcError:
		s.garbled(c, "memcached-error")
		return false
	case mcClientError:
		s.garbled(c, "memcached-client-error")
		return false
	case mcServerError:
		s.garbled(c, "memcached-server-error")
		return false
	case mcMN:
		// In "mg" mode only the keep-alive asks mn: an untimed echo.
		s.reply(c, 0, p.mode == mcModeMG, false)
	case mcVersion:
		if p.mode == mcModeVersion {
			s.reply(c, 0, false, false)
		} else {
			s.push(c)
		}
	case mcVA:
		c.pa += 2
		c.sub = c.sub&^mcStateMask | mcData
		c.pb &^= pbFramer
		return true
	case mcHD, mcEN:
		p.answer(c, s, code)
	default:
		s.push(c)
	}
	mcReset(c)
	return true
}

// answer handles a whole HD, VA or EN reply: in "mg" mode one with our
// token is timed, an EN without it answered untimed (the key was
// evicted); anything else is a push.
func (p mcClient) answer(c *conn, s sink, code int) {
	if p.mode != mcModeMG {
		s.push(c)
		return
	}
	switch {
	case c.sub&mcGotStamp != 0:
		s.reply(c, c.idx, true, true)
	case code == mcEN:
		s.reply(c, 0, true, false)
	default:
		s.push(c)
	}
	c.idx = 0
}
