package nodes

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// wsServer is the stand-in WebSocket server: it upgrades, answers pings
// with pongs, echoes data frames and returns close frames.
type wsServer struct{}

// wsUpgraded is the server's bit of pb: the upgrade was answered.
const wsUpgraded = 1

// newWebSocketServer makes the WebSocket server framer (it reads no
// options).
func newWebSocketServer(o ProtoOptions) (serverProto, error) { return wsServer{}, nil }

// maxRequest is the longest frame the server takes (the upgrade request
// is bounded by serve itself at 8 KiB).
func (wsServer) maxRequest() int { return wsFrameMax + wsServerPayload }

// wsBadRequest is the server's answer to a request that is no upgrade.
const wsBadRequest = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

// serve answers the upgrade, then whole frames.
func (wsServer) serve(c *conn, b []byte, out []byte) (n int, reply []byte, kind string) {
	if c.pb&wsUpgraded == 0 {
		n, out, kind = wsServeUpgrade(b, out)
		if kind != "" || n == 0 {
			return n, out, kind
		}
		c.pb |= wsUpgraded
	}
	for {
		m, o, k := wsServeFrame(b[n:], out)
		out = o
		n += m
		if k != "" || m == 0 {
			return n, out, k
		}
	}
}

// wsServeUpgrade answers the upgrade request at the start of b: it
// returns 0 while the request is cut (and shorter than 8 KiB).
func wsServeUpgrade(b, out []byte) (int, []byte, string) {
	if !bytes.HasPrefix([]byte("GET "), b[:min(len(b), 4)]) {
		return 0, append(out, wsBadRequest...), "ws-bad-upgrade"
	}
	end := bytes.Index(b[:min(len(b), wsMaxHeader)], []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) >= wsMaxHeader {
			return 0, append(out, wsBadRequest...), "ws-header-too-long"
		}
		return 0, out, ""
	}
	n := end + 4
	_, rest, _ := bytes.Cut(b[:end+2], []byte("\r\n"))
	upgrade := false
	var key []byte
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.Trim(value, " \t")
		switch {
		case bytes.EqualFold(name, []byte("Upgrade")):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				if bytes.EqualFold(bytes.Trim(tok, " \t"), []byte("websocket")) {
					upgrade = true
				}
			}
		case bytes.EqualFold(name, []byte("Sec-WebSocket-Key")):
			key = value
		}
	}
	if !upgrade || len(key) == 0 || len(key) > wsMaxKey {
		return n, append(out, wsBadRequest...), "ws-bad-upgrade"
	}
	a := wsAccept(key)
	out = append(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	out = append(out, a[:]...)
	return n, append(out, "\r\n\r\n"...), ""
}

// errWSCut is wsFrame's answer for a frame cut by the end of the input.
var errWSCut = errors.New("cut")

// wsFrame reads the header of the frame at the start of b: byte 0, the
// header's size and the payload's length (at most limit); err is errWSCut
// when b ends inside the header, else a kind.
func wsFrame(b []byte, limit uint64) (b0 byte, h int, n uint64, kind string, err error) {
	if len(b) < 2 {
		return 0, 0, 0, "", errWSCut
	}
	b0 = b[0]
	op := b0 & 0xF
	switch {
	case b0&0x70 != 0,
		op > wsOpBin && op < wsOpClose, op > wsOpPong,
		op >= wsOpClose && b0&0x80 == 0:
		return b0, 0, 0, "ws-bad-frame", nil
	case b[1]&0x80 == 0:
		return b0, 0, 0, "ws-unmasked", nil
	}
	n, h = uint64(b[1]&0x7F), 2
	if op >= wsOpClose && n > wsMaxControl {
		return b0, 0, 0, "ws-bad-frame", nil
	}
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, 0, 0, "", errWSCut
		}
		n, h = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, 0, 0, "", errWSCut
		}
		n, h = binary.BigEndian.Uint64(b[2:]), 10
	}
	if n > limit {
		return b0, 0, 0, "ws-too-long", nil
	}
	return b0, h + 4, n, "", nil
}

// wsServeFrame answers the whole frame at the start of b; it returns 0
// while the frame is cut.
func wsServeFrame(b, out []byte) (int, []byte, string) {
	b0, h, n, kind, err := wsFrame(b, wsServerPayload)
	if err != nil {
		return 0, out, ""
	}
	if kind != "" {
		return 0, out, kind
	}
	size := h + int(n)
	if len(b) < size {
		return 0, out, ""
	}
	key, payload := b[h-4:h], b[h:size]
	switch b0 & 0xF {
	case wsOpPong:
		return size, out, ""
	case wsOpPing:
		b0 = 0x80 | wsOpPong
	case wsOpClose:
		kind = "ws-close"
	}
	out = wsAppendHeader(out, b0, len(payload), nil)
	for i, x := range payload {
		out = append(out, x^key[i&3])
	}
	return size, out, kind
}
