package nodes

import (
	"bytes"
)

// mcServer is the built-in server's memcached: mn, version, ms (stores
// nothing), mg (every key exists, its value empty), get (every key
// misses) and quit. It keeps no state per connection.
type mcServer struct{}

// newMemcachedServer makes the memcached server framer (it reads no
// option).
func newMemcachedServer(o ProtoOptions) (serverProto, error) { return mcServer{}, nil }

// maxRequest is the longest request (line and data block) the server
// waits for.
func (mcServer) maxRequest() int { return mcMaxRequest }

// serve answers the whole request lines at the start of b. A storage
// command whose line cannot say where its data ends, or whose data does
// not end in CRLF, is answered with a CLIENT_ERROR and ends the
// connection ("memcached-bad-request"); quit ends it ("memcached-quit").
func (mcServer) serve(c *conn, b []byte, out []byte) (int, []byte, string) {
	n := 0
	for {
		rest := b[n:]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return n, out, ""
		}
		used := nl + 1
		line := rest[:nl]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		cmd, args := mcField(line)
		switch string(cmd) {
		case "mn":
			out = append(out, "MN\r\n"...)
		case "version":
			out = append(out, "VERSION 1.6.0-c1m\r\n"...)
		case "get", "gets":
			out = append(out, "END\r\n"...)
		case "mg":
			key, flags := mcField(args)
			out = mcMetaReply(out, key, flags, true)
		case "ms":
			key, more := mcField(args)
			size, flags := mcField(more)
			v, ok := mcAtoi(size)
			if len(key) == 0 || !ok || v > mcMaxRequest {
				return n, append(out, "CLIENT_ERROR bad command line format\r\n"...), "memcached-bad-request"
			}
			if used+v+2 > len(rest) {
				return n, out, ""
			}
			if rest[used+v] != '\r' || rest[used+v+1] != '\n' {
				return n, append(out, "CLIENT_ERROR bad data chunk\r\n"...), "memcached-bad-request"
			}
			used += v + 2
			out = mcMetaReply(out, key, flags, false)
		case "quit":
			return n + used, out, "memcached-quit"
		default:
			out = append(out, "ERROR\r\n"...)
		}
		n += used
	}
}

// mcMetaReply appends the answer of a meta command on key with flags: HD
// (or, for mg with v, VA 0 and an empty data block), then the O and k
// flags copied back in their order.
func mcMetaReply(out, key, flags []byte, get bool) []byte {
	if len(key) == 0 || len(key) > mcMaxKey {
		return append(out, "CLIENT_ERROR bad command line format\r\n"...)
	}
	value := false
	for f, rest := mcField(flags); len(f) > 0; f, rest = mcField(rest) {
		switch f[0] {
		case 'O':
			if len(f)-1 > mcMaxOpaque {
				return append(out, "CLIENT_ERROR opaque token too long\r\n"...)
			}
		case 'v':
			value = get
		}
	}
	if value {
		out = append(out, "VA 0"...)
	} else {
		out = append(out, "HD"...)
	}
	for f, rest := mcField(flags); len(f) > 0; f, rest = mcField(rest) {
		switch f[0] {
		case 'O':
			out = append(out, ' ')
			out = append(out, f...)
		case 'k':
			out = append(out, " k"...)
			out = append(out, key...)
		}
	}
	out = append(out, '\r', '\n')
	if value {
		out = append(out, '\r', '\n')
	}
	return out
}

// mcField splits the first space-separated word off b.
func mcField(b []byte) (word, rest []byte) {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	end := bytes.IndexByte(b, ' ')
	if end < 0 {
		return b, nil
	}
	return b[:end], b[end:]
}

// mcAtoi reads a non-negative decimal of at most 9 digits.
func mcAtoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	v := 0
	for _, x := range b {
		if x < '0' || x > '9' {
			return 0, false
		}
		v = v*10 + int(x-'0')
	}
	return v, true
}
