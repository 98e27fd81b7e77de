package nodes

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// The generic line protocol: the client sends fixed bytes ("PING\n") and
// each reply, framed by a delimiter or a fixed size, answers the oldest
// request in flight; the built-in server echoes every line.

// Limits of the line framers.
const (
	// lineMaxReply bounds a delimited reply, delimiter included.
	lineMaxReply = 1 << 20
	// lineMaxSize bounds a fixed reply size (pa counts it).
	lineMaxSize = 1 << 30
	// lineMaxDelimiter bounds a delimiter (sub holds the bytes matched).
	lineMaxDelimiter = 16
	// lineMaxRequest bounds a line the server waits for, "\n" included.
	lineMaxRequest = 64 << 10
)

// lineClient is the line client framer. In the slot, pa is the bytes of
// the reply read so far and sub the bytes of the delimiter matched so far;
// pb and idx are not used.
type lineClient struct {
	req   []byte                 // the request, prebuilt
	size  uint32                 // a fixed reply size, or 0: delimited
	delim [lineMaxDelimiter]byte // the delimiter
	dlen  int                    // its length
	fail  [lineMaxDelimiter]uint8
	// fail[i] is the length of the longest proper prefix of delim[:i+1]
	// that is also its suffix (KMP), so a delimiter is matched across
	// any split without looking back.
}

// newLineClient makes the line client: o.Request (default "PING\n") per
// request and keep-alive, replies of o.ReplySize bytes or ending in
// o.ReplyDelimiter (default "\n").
func newLineClient(o ProtoOptions, indexBase int64) (clientProto, error) {
	req := o.Request
	if req == "" {
		req = "PING\n"
	}
	if strings.Contains(req, "%d") {
		return nil, fmt.Errorf("request %q holds \"%%d\": a line request is the same bytes on every connection (it is sent without its index); remove \"%%d\"", req)
	}
	l := &lineClient{req: []byte(req)}
	switch {
	case o.ReplySize < 0:
		return nil, fmt.Errorf("reply_size %d is negative: give a fixed reply size in bytes, or 0 for a delimited reply", o.ReplySize)
	case o.ReplySize > lineMaxSize:
		return nil, fmt.Errorf("reply_size %d is over %d: give a smaller fixed reply size", o.ReplySize, lineMaxSize)
	case o.ReplySize > 0 && o.ReplyDelimiter != "":
		return nil, errors.New("both reply_size and reply_delimiter are set: a reply has a fixed size or ends in a delimiter; leave one empty")
	case o.ReplySize > 0:
		l.size = uint32(o.ReplySize)
		return l, nil
	}
	d := o.ReplyDelimiter
	if d == "" {
		d = "\n"
	}
	if len(d) > lineMaxDelimiter {
		return nil, fmt.Errorf("reply_delimiter %q is %d bytes: give at most %d", d, len(d), lineMaxDelimiter)
	}
	l.dlen = copy(l.delim[:], d)
	for i, k := 1, 0; i < len(d); i++ {
		for k > 0 && d[i] != d[k] {
			k = int(l.fail[k-1])
		}
		if d[i] == d[k] {
			k++
		}
		l.fail[i] = uint8(k)
	}
	return l, nil
}

// hello appends nothing: the line protocol has no handshake.
func (l *lineClient) hello(dst []byte, idx uint32, fd int) []byte { return dst }

// request appends the request (the time is kept by the worker: in order).
func (l *lineClient) request(dst []byte, t uint64, fd int) []byte { return append(dst, l.req...) }

// keepalive appends the same request.
func (l *lineClient) keepalive(dst []byte) []byte { return append(dst, l.req...) }

// pong appends nothing: line servers do not ping.
func (l *lineClient) pong(dst []byte, payload []byte) []byte { return dst }

// echoes is false: replies answer the requests in order.
func (l *lineClient) echoes() bool { return false }

// feed frames replies, each s.reply: fixed-size ones by counting, delimited
// ones by matching the delimiter (a delimited reply over 1 MiB is
// "line-too-long").
func (l *lineClient) feed(c *conn, b []byte, s sink) bool {
	if l.size > 0 {
		pa := c.pa
		for len(b) > 0 {
			need := l.size - pa
			if uint64(len(b)) < uint64(need) {
				pa += uint32(len(b))
				break
			}
			b = b[need:]
			pa = 0
			c.pa = 0
			s.reply(c, 0, false, false)
		}
		c.pa = pa
		return true
	}
	m, pa := int(c.sub), c.pa
	d := l.delim[:l.dlen]
	for i := 0; i < len(b); {
		if m == 0 {
			// Skip to the delimiter's first byte.
			j := bytes.IndexByte(b[i:], d[0])
			if j < 0 {
				j = len(b) - i
			}
			if uint64(pa)+uint64(j) >= lineMaxReply {
				return l.garble(c, s)
			}
			pa += uint32(j)
			if i += j; i == len(b) {
				break
			}
		}
		x := b[i]
		i++
		pa++
		for m > 0 && x != d[m] {
			m = int(l.fail[m-1])
		}
		if x == d[m] {
			m++
		}
		if m == len(d) {
			m, pa = 0, 0
			c.sub, c.pa = 0, 0
			s.reply(c, 0, false, false)
			continue
		}
		if pa >= lineMaxReply {
			return l.garble(c, s)
		}
	}
	c.sub, c.pa = uint16(m), pa
	return true
}

// garble reports a delimited reply over 1 MiB; the connection ends.
func (l *lineClient) garble(c *conn, s sink) bool {
	c.sub, c.pa = 0, 0
	s.garbled(c, "line-too-long")
	return false
}

// lineServer is the built-in line server: it echoes every line.
type lineServer struct{}

// newLineServer makes the line server (it reads no options).
func newLineServer(o ProtoOptions) (serverProto, error) { return lineServer{}, nil }

// maxRequest is the longest line, "\n" included: 64 KiB.
func (lineServer) maxRequest() int { return lineMaxRequest }

// serve echoes each whole line at the start of b ("\n" included); a line
// over 64 KiB is "line-too-long".
func (lineServer) serve(c *conn, b []byte, out []byte) (int, []byte, string) {
	n := 0
	for n < len(b) {
		rest := b[n:]
		i := bytes.IndexByte(rest[:min(len(rest), lineMaxRequest)], '\n')
		if i < 0 {
			if len(rest) >= lineMaxRequest {
				return len(b), out, "line-too-long"
			}
			break
		}
		out = append(out, rest[:i+1]...)
		n += i + 1
	}
	return n, out, ""
}
