package nodes

import (
	"bytes"
	"fmt"
)

// Redis (RESP2). The client's timed request is PING with a 16-byte stamp
// as its argument; Redis returns the argument as a bulk string, so the
// reply carries its stamp back (echoes) and pipelining is harmless:
//
//	request  *2\r\n$4\r\nPING\r\n$16\r\n<stamp>\r\n
//	reply    $16\r\n<stamp>\r\n
//
// The client frames every RESP2 reply streaming, skipping bulk bodies in
// place. Its slot while a reply is read:
//
//	sub  bits 0..3  the state (rs…)
//	     bits 4..9  per state: a length's sign, kind and digit count; a
//	                stamp's "not beat" / "not keep" bits; letters 10 and
//	                11 of an error's first word
//	pa   a length being read, the bytes left of a bulk body (its CRLF
//	     included), a line's length so far, or letters 0..5 of an
//	     error's first word
//	pb   (low 24 bits) the elements left of the array being read (0 at
//	     the top level), or letters 6..9 of an error's first word
//	idx  the stamp's tick, gathered from a top-level 16-byte bulk
const (
	rsType   uint16 = iota // a reply's (or an array element's) type byte
	rsLen                  // the digits of a bulk or array length
	rsLenLF                // the '\n' after a length
	rsLine                 // a simple string, integer or error element: up to '\r'
	rsLineLF               // the '\n' that ends it
	rsBody                 // a bulk body being skipped: pa = bytes left, CRLF included
	rsStamp                // a top-level 16-byte bulk, maybe our stamp: pa as for rsBody
	rsErr                  // a top-level error's first word

	rsStateMask uint16 = 0xf
	rsArrLen    uint16 = 1 << 4 // rsLen: the length is an array's (else a bulk's)
	rsNeg       uint16 = 1 << 5 // rsLen: the length has a '-' sign
	rsDigShift         = 6      // rsLen: digits read so far, bits 6..9
	rsDigMask   uint16 = 0xf << rsDigShift
	rsNotBeat   uint16 = 1 << 4 // rsStamp: the marker is not markBeat
	rsNotKeep   uint16 = 1 << 5 // rsStamp: the marker is not markKeep
)

// Limits of the Redis framers.
const (
	redisMaxBulk    = 512 << 20 // RESP's largest bulk string (proto-max-bulk-len)
	redisMaxLine    = 64 << 10  // the longest simple string, integer or error line
	redisMaxArray   = pbFramer  // the most elements of an array (24 bits of pb)
	redisMaxDigits  = 10        // digits of a length (512 MiB has 9)
	redisMaxWord    = 12        // letters of an error word the slot keeps
	redisMaxRequest = 64 << 10  // the longest request the server waits for
	redisNameMax    = 32        // bytes of an unknown command's name echoed back
)

// redisPingHead is a timed request up to its stamp.
const redisPingHead = "*2\r\n$4\r\nPING\r\n$16\r\n"

// redisErrKinds are the refusal kinds of Redis' usual error words, so a
// refusal by one of them allocates nothing (another word makes its kind
// when it comes).
var redisErrKinds = func() map[string]string {
	m := map[string]string{}
	for _, w := range []string{"ask", "busy", "busygroup", "busykey", "clusterdown", "crossslot",
		"err", "execabort", "loading", "masterdown", "misconf", "moved", "noauth", "nogoodslave",
		"nomasterlink", "noperm", "noproto", "noreplicas", "noscript", "notbusy", "oom",
		"readonly", "tryagain", "unblocked", "unkillable", "wrongpass", "wrongtype"} {
		m[w] = "redis-" + w
	}
	return m
}()

// redisClient is Redis' client framer. It keeps nothing per connection
// (see the slot above).
type redisClient struct{}

// newRedisClient makes the Redis client framer: Request "" or "ping"
// (PING with a stamp that comes back). indexBase is unused: no Redis
// request names its connection.
func newRedisClient(o ProtoOptions, indexBase int64) (clientProto, error) {
	switch o.Request {
	case "", "ping":
		return redisClient{}, nil
	}
	return nil, fmt.Errorf("redis has no request %q: use \"ping\" (the default, PING with a stamp Redis returns) or leave request empty", o.Request)
}

// hello appends nothing: Redis has no handshake.
func (redisClient) hello(dst []byte, idx uint32, fd int) []byte { return dst }

// request appends PING with a markBeat stamp of t as its argument.
func (redisClient) request(dst []byte, t uint64, fd int) []byte {
	dst = append(dst, redisPingHead...)
	dst = appendStamp(dst, t, markBeat)
	return append(dst, '\r', '\n')
}

// keepalive appends PING with a markKeep stamp (time 0) as its argument.
func (redisClient) keepalive(dst []byte) []byte {
	dst = append(dst, redisPingHead...)
	dst = appendStamp(dst, 0, markKeep)
	return append(dst, '\r', '\n')
}

// pong appends nothing: Redis never pings a client.
func (redisClient) pong(dst []byte, payload []byte) []byte { return dst }

// echoes is true: the bulk reply carries the PING's stamp back.
func (redisClient) echoes() bool { return true }

// feed frames RESP2 replies: a 16-byte top-level bulk with our marker is
// a reply, an error refuses the connection, anything else well formed
// (other bulks, simple strings, integers, nulls, arrays of them such as
// pub/sub messages) is one push.
func (redisClient) feed(c *conn, b []byte, s sink) bool {
	for i := 0; i < len(b); {
		x := b[i]
		switch c.sub & rsStateMask {
		case rsType:
			i++
			c.pa = 0
			switch x {
			case '+', ':':
				c.sub = rsLine
			case '-':
				if c.pb&pbFramer != 0 {
					c.sub = rsLine // an error element: part of its array
					break
				}
				c.sub = rsErr
				c.pb &^= pbFramer
			case '$':
				c.sub = rsLen
			case '*':
				if c.pb&pbFramer != 0 {
					s.garbled(c, "redis-nested")
					return false
				}
				c.sub = rsLen | rsArrLen
			default:
				return redisBad(c, s)
			}
		case rsLen:
			i++
			digits := (c.sub & rsDigMask) >> rsDigShift
			switch {
			case x == '-' && digits == 0 && c.sub&rsNeg == 0:
				c.sub |= rsNeg
			case x >= '0' && x <= '9':
				limit := uint64(redisMaxBulk)
				if c.sub&rsArrLen != 0 {
					limit = redisMaxArray
				}
				v := uint64(c.pa)*10 + uint64(x-'0')
				if digits >= redisMaxDigits || v > limit {
					return redisBad(c, s)
				}
				c.pa = uint32(v)
				c.sub = c.sub&^rsDigMask | (digits+1)<<rsDigShift
			case x == '\r' && digits > 0:
				c.sub = c.sub&^rsStateMask | rsLenLF
			default:
				return redisBad(c, s)
			}
		case rsLenLF:
			i++
			if x != '\n' {
				return redisBad(c, s)
			}
			n := c.pa
			switch {
			case c.sub&rsNeg != 0:
				if n != 1 {
					return redisBad(c, s)
				}
				redisDone(c, s) // a null bulk or array
			case c.sub&rsArrLen != 0:
				if n == 0 {
					redisDone(c, s)
					break
				}
				c.sub, c.pa = rsType, 0
				c.pb = c.pb&^pbFramer | n
			case c.pb&pbFramer == 0 && n == stampSize:
				c.sub, c.pa = rsStamp, stampSize+2
				c.idx = 0
			default:
				c.sub, c.pa = rsBody, n+2
			}
		case rsLine:
			j := bytes.IndexByte(b[i:], '\r')
			k := j
			if j < 0 {
				k = len(b) - i
			}
			if uint64(c.pa)+uint64(k) > redisMaxLine {
				return redisBad(c, s)
			}
			c.pa += uint32(k)
			if j < 0 {
				return true
			}
			i += j + 1
			c.sub = rsLineLF
		case rsLineLF:
			i++
			if x != '\n' {
				return redisBad(c, s)
			}
			redisDone(c, s)
		case rsBody:
			if c.pa > 2 {
				k := min(uint64(c.pa-2), uint64(len(b)-i))
				i += int(k)
				c.pa -= uint32(k)
				break
			}
			i++
			if c.pa == 2 {
				if x != '\r' {
					return redisBad(c, s)
				}
				c.pa = 1
				break
			}
			if x != '\n' {
				return redisBad(c, s)
			}
			redisDone(c, s)
		case rsStamp:
			i++
			off := int(stampSize + 2 - c.pa)
			c.pa--
			switch {
			case off < 8:
				c.addStampByte(off, x)
			case off < stampSize:
				if x != markBeat[off-8] {
					c.sub |= rsNotBeat
				}
				if x != markKeep[off-8] {
					c.sub |= rsNotKeep
				}
			case off == stampSize:
				if x != '\r' {
					return redisBad(c, s)
				}
			default:
				if x != '\n' {
					return redisBad(c, s)
				}
				switch {
				case c.sub&rsNotBeat == 0:
					s.reply(c, c.idx, true, true)
				case c.sub&rsNotKeep == 0:
					s.reply(c, 0, true, false)
				default:
					s.push(c)
				}
				c.idx = 0
				c.sub, c.pa = rsType, 0
			}
		case rsErr:
			i++
			n := redisWordLen(c)
			switch {
			case (x|0x20) >= 'a' && (x|0x20) <= 'z' && n < redisMaxWord:
				redisSetLetter(c, n, uint32((x|0x20)-'a'+1))
			case (x == ' ' || x == '\r') && n > 0:
				s.refused(c, redisWordKind(c, n))
				return false
			default:
				s.refused(c, "redis-error")
				return false
			}
		default:
			return redisBad(c, s)
		}
	}
	return true
}

// redisBad reports a reply that breaks RESP2 and ends the connection.
func redisBad(c *conn, s sink) bool {
	s.garbled(c, "redis-bad-reply")
	return false
}

// redisDone ends a value: a top-level one is a push, an array element
// counts down its array, which is one push after its last element.
func redisDone(c *conn, s sink) {
	c.sub, c.pa = rsType, 0
	if left := c.pb & pbFramer; left > 0 {
		c.pb = c.pb&^pbFramer | (left - 1)
		if left > 1 {
			return
		}
	}
	s.push(c)
}

// redisLetter is letter k of the error word being read (1..26 for a..z,
// 0 past its end): letters 0..5 are in pa, 6..9 in pb's framer bits,
// 10..11 in sub bits 4..13, 5 bits each.
func redisLetter(c *conn, k int) uint32 {
	switch {
	case k < 6:
		return c.pa >> (5 * k) & 31
	case k < 10:
		return c.pb >> (5 * (k - 6)) & 31
	default:
		return uint32(c.sub>>(4+5*(k-10))) & 31
	}
}

// redisSetLetter stores letter k (1..26) of the error word being read.
func redisSetLetter(c *conn, k int, v uint32) {
	switch {
	case k < 6:
		c.pa |= v << (5 * k)
	case k < 10:
		c.pb |= v << (5 * (k - 6))
	default:
		c.sub |= uint16(v) << (4 + 5*(k-10))
	}
}

// redisWordLen is how many letters of the error word were read.
func redisWordLen(c *conn) int {
	for k := range redisMaxWord {
		if redisLetter(c, k) == 0 {
			return k
		}
	}
	return redisMaxWord
}

// redisWordKind is the refusal kind of the n-letter error word read:
// "redis-" and the word lowercased.
func redisWordKind(c *conn, n int) string {
	var w [redisMaxWord]byte
	for k := range n {
		w[k] = 'a' - 1 + byte(redisLetter(c, k))
	}
	if kind, ok := redisErrKinds[string(w[:n])]; ok {
		return kind
	}
	return "redis-" + string(w[:n])
}
