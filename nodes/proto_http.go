package nodes

import (
	"bytes"
	"fmt"
	"strings"
)

// HTTP/1.1 keep-alive (RFC 9112): the client sends one prebuilt GET per
// request and frames the responses as they stream in, in order (class F
// of the research: nothing comes back but the order); the built-in server
// answers every whole request with a prebuilt 200.

// Limits of the http framers.
const (
	// httpMaxHeader bounds a response's status line and headers, and a
	// chunked body's trailers (the client), and a request's head and body
	// (the server).
	httpMaxHeader = 8 << 10
	// httpMaxChunkLine bounds a chunk-size line (size and extensions).
	httpMaxChunkLine = 64
)

// The low 24 bits of pb while the http client reads a response: the
// stage, the status class, what the headers said and the header-name
// match under way.
const (
	hStage      = 0xf // stage, below
	hClassShift = 4   // status class 1..5 (3 bits)
	hClass      = 7 << hClassShift
	hfNoBody    = 1 << 7  // 1xx, 204 or 304: no body whatever the headers say
	hfChunked   = 1 << 8  // Transfer-Encoding holds "chunked"
	hfClose     = 1 << 9  // Connection holds "close"
	hfLen       = 1 << 10 // a Content-Length was read (pa holds it)
	hfTE        = 1 << 11 // a Transfer-Encoding was read
	hcCL        = 1 << 12 // the header name may still be Content-Length
	hcTE        = 1 << 13 // … Transfer-Encoding
	hcConn      = 1 << 14 // … Connection
	hCand       = hcCL | hcTE | hcConn
	hPosShift   = 15 // position in a header name or value match (5 bits)
	hPos        = 31 << hPosShift
	hfCR        = 1 << 20 // a CR was read: a LF must follow
)

// Stages of a response (pb & hStage). sub counts the bytes of the head
// (status line and headers), of a chunk-size line or of the trailers; pa
// is the status code, then the Content-Length, then the body or chunk
// bytes left.
const (
	hsStatus       = iota // the status line
	hsLineStart           // the start of a header line (or the empty line)
	hsName                // a header name
	hsValue               // a header value
	hsBody                // a Content-Length body
	hsChunkSize           // a chunk-size line
	hsChunkData           // a chunk's data
	hsChunkEnd            // the CRLF after a chunk's data
	hsTrailerStart        // the start of a trailer line (or the empty line)
	hsTrailerLine         // a trailer line
)

// httpNames are the header names the client looks for, lower case, by
// candidate bit.
var httpNames = [3]struct {
	bit  uint32
	name string
}{{hcCL, "content-length"}, {hcTE, "transfer-encoding"}, {hcConn, "connection"}}

// httpClasses are the status classes the sink gets, by first digit.
var httpClasses = [6]string{"", "1xx", "2xx", "3xx", "4xx", "5xx"}

// httpClient is the http client framer: the request, prebuilt.
type httpClient struct {
	req []byte
}

// newHTTPClient makes the http client: a GET of o.Path (default "/") to
// o.Host with o.Headers, the same bytes for every request and keep-alive.
func newHTTPClient(o ProtoOptions, indexBase int64) (clientProto, error) {
	path := o.Path
	if path == "" {
		path = "/"
	}
	if path[0] != '/' && !strings.Contains(path, "://") {
		return nil, fmt.Errorf("path %q: give an origin path starting with \"/\" (or an absolute URL)", path)
	}
	if i := strings.IndexFunc(path, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return nil, fmt.Errorf("path %q holds a space or control character: percent-encode it (%%20)", path)
	}
	host := o.Host
	if host == "" {
		host = "localhost"
	}
	if i := strings.IndexFunc(host, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return nil, fmt.Errorf("host %q holds a space or control character: give a host name or address[:port]", host)
	}
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n")
	for _, h := range o.Headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || name == "" || !httpToken(name) {
			return nil, fmt.Errorf("header %q: write it as \"Name: value\" (the name a token without spaces)", h)
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("header %q holds a line break: give one header per entry", h)
		}
		switch strings.ToLower(name) {
		case "host":
			return nil, fmt.Errorf("header %q: set the host option instead of a Host header (a request carries exactly one)", h)
		case "content-length", "transfer-encoding":
			return nil, fmt.Errorf("header %q: the client's GET has no body; remove the header", h)
		}
		req = append(req, h...)
		req = append(req, "\r\n"...)
	}
	req = append(req, "\r\n"...)
	return &httpClient{req: req}, nil
}

// httpToken reports whether s is an RFC 9110 token (a header name, a
// method).
func httpToken[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if !httpTchar(s[i]) {
			return false
		}
	}
	return true
}

// httpTchar reports whether b may appear in a token.
func httpTchar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// hello appends nothing: http has no handshake.
func (h *httpClient) hello(dst []byte, idx uint32, fd int) []byte { return dst }

// request appends the GET (the time is kept by the worker: in order).
func (h *httpClient) request(dst []byte, t uint64, fd int) []byte { return append(dst, h.req...) }

// keepalive appends the same GET.
func (h *httpClient) keepalive(dst []byte) []byte { return append(dst, h.req...) }

// pong appends nothing: http servers do not ping.
func (h *httpClient) pong(dst []byte, payload []byte) []byte { return dst }

// echoes is false: responses answer the requests in order.
func (h *httpClient) echoes() bool { return false }

// httpBadLineKind names a CR without a LF, or a broken line, by stage.
func httpBadLineKind(stage uint32) string {
	switch stage {
	case hsStatus:
		return "http-bad-status"
	case hsChunkSize, hsChunkEnd:
		return "http-bad-chunk"
	}
	return "http-bad-header"
}

// feed frames responses byte by byte: the status line, the headers it
// needs (Content-Length, Transfer-Encoding, Connection, by name in any
// case), and the body by RFC 9112 §6.3. Interim (1xx) responses are
// skipped; each final one is s.status and s.reply. The state between
// calls is in c.sub, c.pa and pb's low 24 bits (see hStage).
func (h *httpClient) feed(c *conn, b []byte, s sink) bool {
	p := c.pb & pbFramer
	sub, pa := c.sub, c.pa
	for i := 0; i < len(b); i++ {
		stage := p & hStage
		// Bodies are skipped whole.
		if stage == hsBody || stage == hsChunkData {
			if rest := uint64(len(b) - i); rest < uint64(pa) {
				pa -= uint32(rest)
				break
			}
			i += int(pa) - 1
			pa = 0
			if stage == hsChunkData {
				p = p&^hStage | hsChunkEnd
				continue
			}
			if !h.done(c, s, p) {
				return false
			}
			p, sub = 0, 0
			continue
		}
		// Bytes that only count (a reason phrase, a value not looked
		// at, a trailer) are skipped to the next CR or LF.
		if p&hfCR == 0 && (stage == hsValue && p&hCand == 0 || stage == hsTrailerLine || stage == hsStatus && sub > 12) {
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				j = len(b) - i
			}
			if k := bytes.IndexByte(b[i:i+j], '\r'); k >= 0 {
				j = k
			}
			if int(sub)+j > httpMaxHeader {
				return h.garble(c, s, p, sub, pa, "http-header-too-long")
			}
			sub += uint16(j)
			if i += j; i == len(b) {
				break
			}
		}
		x := b[i]
		// Bound the lines.
		switch {
		case stage <= hsValue:
			if sub++; sub > httpMaxHeader {
				return h.garble(c, s, p, sub, pa, "http-header-too-long")
			}
		case stage == hsChunkSize:
			if x != '\n' {
				if sub++; sub > httpMaxChunkLine {
					return h.garble(c, s, p, sub, pa, "http-bad-chunk")
				}
			}
		case stage >= hsTrailerStart:
			if sub++; sub > httpMaxHeader {
				return h.garble(c, s, p, sub, pa, "http-header-too-long")
			}
		}
		// CR must be followed by LF; LF alone ends a line too.
		if p&hfCR != 0 {
			if x != '\n' {
				return h.garble(c, s, p, sub, pa, httpBadLineKind(stage))
			}
			p &^= hfCR
		} else if x == '\r' {
			if stage == hsStatus && sub-1 < 12 {
				return h.garble(c, s, p, sub, pa, "http-bad-status")
			}
			p |= hfCR
			continue
		}
		if stage == hsLineStart {
			if x == '\n' {
				// The end of the head: what body follows?
				class := p & hClass >> hClassShift
				switch {
				case class == 1: // interim: the final response follows
					p, sub, pa = 0, 0, 0
				case p&hfNoBody != 0, p&hfChunked == 0 && p&hfTE == 0 && p&hfLen != 0 && pa == 0:
					if !h.done(c, s, p) {
						return false
					}
					p, sub, pa = 0, 0, 0
				case p&hfChunked != 0:
					p = p&^(hStage|hPos) | hsChunkSize
					sub, pa = 0, 0
				case p&hfTE == 0 && p&hfLen != 0:
					p = p&^hStage | hsBody
				default:
					return h.garble(c, s, p, sub, pa, "http-no-length")
				}
				continue
			}
			if x == ' ' || x == '\t' {
				// An obsolete line folding: the value goes on (only
				// its first line is looked at).
				p = p&^(hStage|hCand|hPos) | hsValue
				continue
			}
			p = p&^(hStage|hCand|hPos) | hsName | hCand
			stage = hsName
		}
		switch stage {
		case hsStatus:
			pos := sub - 1
			if x == '\n' {
				if pos < 12 {
					return h.garble(c, s, p, sub, pa, "http-bad-status")
				}
				if pa == 101 {
					return h.garble(c, s, p, sub, pa, "http-unexpected-101")
				}
				p = p&^(hStage|hClass) | hsLineStart | pa/100<<hClassShift
				if pa < 200 || pa == 204 || pa == 304 {
					p |= hfNoBody
				}
				pa = 0
				continue
			}
			ok := true
			switch {
			case pos < 7:
				ok = x == "HTTP/1."[pos]
			case pos == 7:
				ok = '0' <= x && x <= '9'
			case pos == 8, pos == 12:
				ok = x == ' '
			case pos == 9:
				ok = '1' <= x && x <= '5'
				pa = uint32(x - '0')
			case pos <= 11:
				ok = '0' <= x && x <= '9'
				pa = pa*10 + uint32(x-'0')
			}
			if !ok {
				return h.garble(c, s, p, sub, pa, "http-bad-status")
			}
		case hsName:
			pos := p & hPos >> hPosShift
			if x == ':' {
				var which uint32
				for k := range httpNames {
					if n := &httpNames[k]; p&n.bit != 0 && int(pos) == len(n.name) {
						which = n.bit
					}
				}
				switch which {
				case hcCL:
					if p&hfLen != 0 {
						return h.garble(c, s, p, sub, pa, "http-bad-length")
					}
				case hcTE:
					p |= hfTE
				}
				p = p&^(hStage|hCand|hPos) | hsValue | which
				continue
			}
			if x == '\n' {
				return h.garble(c, s, p, sub, pa, "http-bad-header")
			}
			if 'A' <= x && x <= 'Z' {
				x += 'a' - 'A'
			}
			for k := range httpNames {
				if n := &httpNames[k]; p&n.bit != 0 && (int(pos) >= len(n.name) || n.name[pos] != x) {
					p &^= n.bit
				}
			}
			if pos < 31 {
				p += 1 << hPosShift
			}
		case hsValue:
			pos := p & hPos >> hPosShift
			if x == '\n' {
				if p&hcCL != 0 {
					if pos == 0 {
						return h.garble(c, s, p, sub, pa, "http-bad-length")
					}
					p |= hfLen
				}
				p = p&^(hStage|hCand|hPos) | hsLineStart
				continue
			}
			ows := x == ' ' || x == '\t'
			switch p & hCand {
			case hcCL: // pos: 0 before the digits, 1 in them, 2 after
				digit := '0' <= x && x <= '9'
				switch {
				case digit && pos <= 1:
					d := uint32(x - '0')
					if pa > (1<<32-1-d)/10 {
						return h.garble(c, s, p, sub, pa, "http-bad-length")
					}
					pa = pa*10 + d
					p = p&^hPos | 1<<hPosShift
				case ows && pos >= 1:
					p = p&^hPos | 2<<hPosShift
				case ows:
				default:
					return h.garble(c, s, p, sub, pa, "http-bad-length")
				}
			case hcTE:
				p = httpContains(p, pos, x, "chunked", hfChunked)
			case hcConn:
				p = httpContains(p, pos, x, "close", hfClose)
			}
		case hsChunkSize: // pos: 0 before the digits, 1 in them, 2 in extensions
			pos := p & hPos >> hPosShift
			if x == '\n' {
				if pos == 0 {
					return h.garble(c, s, p, sub, pa, "http-bad-chunk")
				}
				p &^= hStage | hPos
				if pa == 0 {
					p |= hsTrailerStart
				} else {
					p |= hsChunkData
				}
				sub = 0
				continue
			}
			if pos == 2 {
				continue
			}
			if d := unhex(x); d < 16 {
				if pa > 1<<28-1 {
					return h.garble(c, s, p, sub, pa, "http-bad-chunk")
				}
				pa = pa<<4 | uint32(d)
				p = p&^hPos | 1<<hPosShift
			} else if pos == 1 && (x == ';' || x == ' ' || x == '\t') {
				p = p&^hPos | 2<<hPosShift
			} else {
				return h.garble(c, s, p, sub, pa, "http-bad-chunk")
			}
		case hsChunkEnd:
			if x != '\n' {
				return h.garble(c, s, p, sub, pa, "http-bad-chunk")
			}
			p = p&^hStage | hsChunkSize
			sub, pa = 0, 0
		case hsTrailerStart:
			if x == '\n' {
				if !h.done(c, s, p) {
					return false
				}
				p, sub, pa = 0, 0, 0
				continue
			}
			p = p&^hStage | hsTrailerLine
		case hsTrailerLine:
			if x == '\n' {
				p = p&^hStage | hsTrailerStart
			}
		}
	}
	c.pb = c.pb&^pbFramer | p
	c.sub, c.pa = sub, pa
	return true
}

// httpContains advances a case-insensitive search for word (no prefix of
// it recurs in it, so a mismatch restarts at its first byte) in a header
// value: pos is the bytes of word matched so far; found is set in p when
// all are.
func httpContains(p, pos uint32, x byte, word string, found uint32) uint32 {
	if 'A' <= x && x <= 'Z' {
		x += 'a' - 'A'
	}
	switch {
	case x == word[pos]:
		pos++
		if int(pos) == len(word) {
			p |= found
			pos = 0
		}
	case x == word[0]:
		pos = 1
	default:
		pos = 0
	}
	return p&^hPos | pos<<hPosShift
}

// unhex is the value of hex digit x, or 16 when x is none.
func unhex(x byte) byte {
	switch {
	case '0' <= x && x <= '9':
		return x - '0'
	case 'a' <= x && x <= 'f':
		return x - 'a' + 10
	case 'A' <= x && x <= 'F':
		return x - 'A' + 10
	}
	return 16
}

// done reports a final response whose head p described: its class, the
// reply, and the server's close when it said Connection: close (then it
// returns false). The slot is reset for the next response first.
func (h *httpClient) done(c *conn, s sink, p uint32) bool {
	c.pb &^= pbFramer
	c.sub, c.pa = 0, 0
	s.status(c, httpClasses[p&hClass>>hClassShift])
	s.reply(c, 0, false, false)
	if p&hfClose != 0 {
		s.garbled(c, "http-close")
		return false
	}
	return true
}

// garble keeps the state (p, sub, pa) and reports kind; the connection
// ends.
func (h *httpClient) garble(c *conn, s sink, p uint32, sub uint16, pa uint32, kind string) bool {
	c.pb = c.pb&^pbFramer | p&pbFramer
	c.sub, c.pa = sub, pa
	s.garbled(c, kind)
	return false
}
