package nodes

import (
	"strconv"
	"strings"
)

// message is a client's Message template split at its first "%d", so that
// the per-connection text is built with strconv.AppendInt into a scratch
// buffer instead of fmt.
type message struct {
	pre, post []byte
	hasIndex  bool
}

func parseMessage(s string) message {
	i := strings.Index(s, "%d")
	if i < 0 {
		return message{pre: []byte(s)}
	}
	return message{pre: []byte(s[:i]), post: []byte(s[i+2:]), hasIndex: true}
}

// appendTo appends the message for connection index to dst.
func (m *message) appendTo(dst []byte, index int64) []byte {
	dst = append(dst, m.pre...)
	if m.hasIndex {
		dst = strconv.AppendInt(dst, index, 10)
		dst = append(dst, m.post...)
	}
	return dst
}

// empty reports whether there is nothing to send.
func (m *message) empty() bool { return len(m.pre) == 0 && !m.hasIndex }
