package nodes

import (
	"bytes"
	"strconv"
)

// redisServer is the built-in server's Redis: PING, ECHO and QUIT, as
// RESP arrays of bulk strings or inline commands. It keeps no state per
// connection.
type redisServer struct{}

// newRedisServer makes the Redis server framer (it reads no option).
func newRedisServer(o ProtoOptions) (serverProto, error) { return redisServer{}, nil }

// maxRequest is the longest command the server waits for.
func (redisServer) maxRequest() int { return redisMaxRequest }

// redisCmd is one command as serve reads it, without copying: its name,
// its first argument and how many arguments it has.
type redisCmd struct {
	name, arg []byte
	nargs     int
}

// serve answers the whole commands at the start of b: PING → +PONG,
// PING <arg> and ECHO <arg> → <arg> as a bulk, QUIT → +OK and the end
// (kind "redis-quit"), anything else → an unknown-command error (the
// connection stays). A command that breaks RESP is answered with a
// protocol error and ends the connection ("redis-bad-request").
func (redisServer) serve(c *conn, b []byte, out []byte) (int, []byte, string) {
	n := 0
	for n < len(b) {
		var cmd redisCmd
		var used int
		var bad bool
		if b[n] == '*' {
			used, cmd, bad = redisMultibulk(b[n:])
		} else {
			used, cmd = redisInline(b[n:])
		}
		if bad {
			return n, append(out, "-ERR Protocol error\r\n"...), "redis-bad-request"
		}
		if used == 0 {
			return n, out, ""
		}
		n += used
		if cmd.name == nil {
			continue // an empty line or array: no answer
		}
		var quit bool
		out, quit = redisExec(cmd, out)
		if quit {
			return n, out, "redis-quit"
		}
	}
	return n, out, ""
}

// redisExec appends the answer to cmd; quit reports QUIT.
func redisExec(cmd redisCmd, out []byte) ([]byte, bool) {
	switch {
	case bytes.EqualFold(cmd.name, []byte("ping")):
		switch cmd.nargs {
		case 0:
			return append(out, "+PONG\r\n"...), false
		case 1:
			return redisAppendBulk(out, cmd.arg), false
		}
		return append(out, "-ERR wrong number of arguments for 'ping' command\r\n"...), false
	case bytes.EqualFold(cmd.name, []byte("echo")):
		if cmd.nargs == 1 {
			return redisAppendBulk(out, cmd.arg), false
		}
		return append(out, "-ERR wrong number of arguments for 'echo' command\r\n"...), false
	case bytes.EqualFold(cmd.name, []byte("quit")):
		return append(out, "+OK\r\n"...), true
	}
	out = append(out, "-ERR unknown command '"...)
	for i, x := range cmd.name {
		if i == redisNameMax {
			break
		}
		if x < ' ' || x > '~' || x == '\'' {
			x = '?'
		}
		out = append(out, x)
	}
	return append(out, "'\r\n"...), false
}

// redisAppendBulk appends v as a RESP bulk string.
func redisAppendBulk(out, v []byte) []byte {
	out = append(out, '$')
	out = strconv.AppendInt(out, int64(len(v)), 10)
	out = append(out, '\r', '\n')
	out = append(out, v...)
	return append(out, '\r', '\n')
}

// redisMultibulk reads one RESP array of bulk strings at the start of b:
// used is 0 while it is incomplete; bad reports one that breaks RESP.
// An empty or null array is used with no name (no answer).
func redisMultibulk(b []byte) (used int, cmd redisCmd, bad bool) {
	count, p, ok := redisNumber(b, 1)
	if !ok {
		return 0, cmd, true
	}
	if p == 0 {
		return 0, cmd, false
	}
	if count <= 0 {
		return p, cmd, false
	}
	if count > redisMaxRequest/4 {
		return 0, cmd, true
	}
	for k := range count {
		if p >= len(b) {
			return 0, cmd, false
		}
		if b[p] != '$' {
			return 0, cmd, true
		}
		size, q, ok := redisNumber(b[p:], 1)
		if !ok || q > 0 && (size < 0 || size > redisMaxRequest) {
			return 0, cmd, true
		}
		if q == 0 {
			return 0, cmd, false
		}
		start := p + q
		end := start + int(size)
		if end+2 > len(b) {
			return 0, cmd, false
		}
		if b[end] != '\r' || b[end+1] != '\n' {
			return 0, cmd, true
		}
		switch k {
		case 0:
			cmd.name = b[start:end:end]
		case 1:
			cmd.arg = b[start:end:end]
		}
		p = end + 2
	}
	cmd.nargs = int(count - 1)
	return p, cmd, false
}

// redisNumber reads the decimal after b[:skip] up to CRLF: p is the bytes
// used with the CRLF (0 while the line is incomplete); ok is false as soon
// as the line cannot be a number (an optional '-', at most 18 digits).
func redisNumber(b []byte, skip int) (v int64, p int, ok bool) {
	neg := false
	digits := 0
	for i := skip; i < len(b); i++ {
		x := b[i]
		switch {
		case x == '-' && i == skip:
			neg = true
		case x >= '0' && x <= '9' && digits < 18:
			v = v*10 + int64(x-'0')
			digits++
		case x == '\r' && digits > 0:
			if i+1 == len(b) {
				return 0, 0, true
			}
			if b[i+1] != '\n' {
				return 0, 0, false
			}
			if neg {
				v = -v
			}
			return v, i + 2, true
		default:
			return 0, 0, false
		}
	}
	return 0, 0, true
}

// redisInline reads one inline command (a line of words split by spaces
// or tabs) at the start of b: used is 0 while the line is incomplete.
// A blank line is used with no name.
func redisInline(b []byte) (used int, cmd redisCmd) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return 0, cmd
	}
	line := b[:nl]
	for len(line) > 0 {
		for len(line) > 0 && (line[0] == ' ' || line[0] == '\t' || line[0] == '\r') {
			line = line[1:]
		}
		if len(line) == 0 {
			break
		}
		end := 0
		for end < len(line) && line[end] != ' ' && line[end] != '\t' && line[end] != '\r' {
			end++
		}
		switch {
		case cmd.name == nil:
			cmd.name = line[:end:end]
		case cmd.nargs == 0:
			cmd.arg = line[:end:end]
			cmd.nargs++
		default:
			cmd.nargs++
		}
		line = line[end:]
	}
	return nl + 1, cmd
}
