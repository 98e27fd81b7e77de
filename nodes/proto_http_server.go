package nodes

import (
	"bytes"
	"strconv"
)

// httpServer is the built-in http server: the answers, prebuilt.
type httpServer struct {
	ok      []byte // HTTP/1.1 200, keep-alive
	okKeep  []byte // the same with "Connection: keep-alive" (HTTP/1.0 keep-alive)
	okClose []byte // the same with "Connection: close"
	body    int    // the body's length (HEAD answers without it)
}

// The server's refusals; each closes the connection.
var (
	httpBadRequest    = httpError("400 Bad Request", "bad request")
	httpLengthNeeded  = httpError("411 Length Required", "send a Content-Length body, not a chunked one")
	httpTooLarge      = httpError("413 Content Too Large", "request too large")
	httpHeadersTooBig = httpError("431 Request Header Fields Too Large", "request header too large")
)

// httpError is a refusal with status and text.
func httpError(status, text string) []byte {
	return []byte("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " +
		strconv.Itoa(len(text)) + "\r\nConnection: close\r\n\r\n" + text)
}

// newHTTPServer makes the http server: every request is answered 200 with
// o.Body (default "ok").
func newHTTPServer(o ProtoOptions) (serverProto, error) {
	body := o.Body
	if body == "" {
		body = "ok"
	}
	head := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	return &httpServer{
		ok:      []byte(head + "\r\n" + body),
		okKeep:  []byte(head + "Connection: keep-alive\r\n\r\n" + body),
		okClose: []byte(head + "Connection: close\r\n\r\n" + body),
		body:    len(body),
	}, nil
}

// maxRequest is the longest request: head and body, 8 KiB.
func (h *httpServer) maxRequest() int { return httpMaxHeader }

// serve answers the whole requests at the start of b, in order. A request
// that says "Connection: close" (or an HTTP/1.0 one without keep-alive) is
// answered with "Connection: close" and ends the connection (kind
// "http-close"); a malformed one gets a 400 ("http-bad-request"), a
// chunked one a 411 ("http-chunked-request"), one over 8 KiB a 431 or 413
// ("http-header-too-long", "http-body-too-long").
func (h *httpServer) serve(c *conn, b []byte, out []byte) (int, []byte, string) {
	n := 0
	for n < len(b) {
		m, reply, kind := h.one(b[n:])
		if m == 0 && kind == "" {
			break
		}
		out = append(out, reply...)
		n += m
		if kind != "" {
			return n, out, kind
		}
	}
	return n, out, ""
}

// one reads the request at the start of b: the bytes it takes (0: it is
// not whole yet), the reply and, when the connection must end, why.
func (h *httpServer) one(b []byte) (int, []byte, string) {
	// Empty lines before a request are skipped (RFC 9112 §2.2).
	switch {
	case b[0] == '\n':
		return 1, nil, ""
	case b[0] == '\r' && len(b) == 1:
		return 0, nil, ""
	case b[0] == '\r' && b[1] == '\n':
		return 2, nil, ""
	}
	end := httpHeadEnd(b[:min(len(b), httpMaxHeader)])
	if end < 0 {
		if len(b) >= httpMaxHeader {
			return len(b), httpHeadersTooBig, "http-header-too-long"
		}
		return 0, nil, ""
	}
	bad := func() (int, []byte, string) { return len(b), httpBadRequest, "http-bad-request" }
	line, rest, _ := bytes.Cut(b[:end], []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	method, line, ok1 := bytes.Cut(line, []byte{' '})
	target, version, ok2 := bytes.Cut(line, []byte{' '})
	if !ok1 || !ok2 || len(method) == 0 || !httpToken(method) || len(target) == 0 {
		return bad()
	}
	for _, x := range target {
		if x <= ' ' || x == 0x7f {
			return bad()
		}
	}
	v10 := string(version) == "HTTP/1.0"
	if !v10 && string(version) != "HTTP/1.1" {
		return bad()
	}
	var (
		length             = -1
		hosts              int
		chunked, close, ka bool
	)
	for len(rest) > 0 {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte{'\n'})
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(l) == 0 {
			break
		}
		name, value, ok := bytes.Cut(l, []byte{':'})
		if !ok || len(name) == 0 || !httpToken(name) || bytes.IndexByte(value, '\r') >= 0 {
			return bad()
		}
		value = bytes.Trim(value, " \t")
		switch {
		case bytes.EqualFold(name, []byte("content-length")):
			if length >= 0 || len(value) == 0 {
				return bad()
			}
			length = 0
			for _, x := range value {
				if x < '0' || x > '9' {
					return bad()
				}
				if length <= httpMaxHeader {
					length = length*10 + int(x-'0')
				}
			}
		case bytes.EqualFold(name, []byte("transfer-encoding")):
			chunked = true
		case bytes.EqualFold(name, []byte("connection")):
			close = close || httpHasFold(value, "close")
			ka = ka || httpHasFold(value, "keep-alive")
		case bytes.EqualFold(name, []byte("host")):
			hosts++
		}
	}
	if chunked {
		return len(b), httpLengthNeeded, "http-chunked-request"
	}
	if !v10 && hosts != 1 {
		return bad()
	}
	if length < 0 {
		length = 0
	}
	if length > httpMaxHeader-end {
		return len(b), httpTooLarge, "http-body-too-long"
	}
	if len(b) < end+length {
		return 0, nil, ""
	}
	reply, kind := h.ok, ""
	switch {
	case close || v10 && !ka:
		reply, kind = h.okClose, "http-close"
	case v10:
		reply = h.okKeep
	}
	if string(method) == "HEAD" {
		reply = reply[:len(reply)-h.body]
	}
	return end + length, reply, kind
}

// httpHeadEnd is the length of the head at the start of b (through the
// empty line that ends it, CRLF or LF), or -1 when b does not hold it all.
func httpHeadEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// httpHasFold reports whether value holds word, in any case.
func httpHasFold(value []byte, word string) bool {
	for i := 0; i+len(word) <= len(value); i++ {
		if bytes.EqualFold(value[i:i+len(word)], []byte(word)) {
			return true
		}
	}
	return false
}
