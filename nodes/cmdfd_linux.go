package nodes

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// maxCommandLine bounds one command line, as the goroutine reader's
// bufio.Scanner does.
const maxCommandLine = 16 << 20

// errCommandTooLong ends a node whose command stream sent a line longer
// than maxCommandLine.
var errCommandTooLong = errors.New("a command line is longer than 16 MiB")

// fdCommands reads command lines from a file descriptor in the loop's own
// thread: blocking before start, non-blocking after (the loop watches
// the fd in its epoll set), so the node needs no reader goroutine.
type fdCommands struct {
	fd   int
	buf  []byte // bytes read and not yet returned as lines
	eof  bool
	err  error // a read error other than EAGAIN, or errCommandTooLong
	read int   // bytes of buf already returned
}

// pop returns the next whole line of buf, skipping empty ones.
func (c *fdCommands) pop() (line, bool) {
	for {
		rest := c.buf[c.read:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if c.read > 0 { // keep the partial line at the front
				c.buf = append(c.buf[:0], rest...)
				c.read = 0
			}
			return line{}, false
		}
		c.read += i + 1
		if b := bytes.TrimSuffix(rest[:i], []byte("\r")); len(b) > 0 {
			return parseCommand(b), true
		}
	}
}

// fill reads once into buf: false when nothing was read (EAGAIN, EOF or
// an error, which c.eof and c.err then say).
func (c *fdCommands) fill() bool {
	if len(c.buf)-c.read >= maxCommandLine {
		c.err = errCommandTooLong
		return false
	}
	if cap(c.buf)-len(c.buf) < 4096 {
		c.buf = slices.Grow(c.buf, max(4096, len(c.buf)))
	}
	for {
		n, err := unix.Read(c.fd, c.buf[len(c.buf):cap(c.buf)])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false
		case err != nil:
			c.err = fmt.Errorf("failed to read commands: %w", err)
			return false
		case n == 0:
			c.eof = true
			return false
		}
		c.buf = c.buf[:len(c.buf)+n]
		return true
	}
}

// next returns the next command line, reading as needed: it blocks on a
// blocking fd and returns false at EOF, on an error or, on a
// non-blocking fd, when no whole line is there yet.
func (c *fdCommands) next() (line, bool) {
	for {
		if l, ok := c.pop(); ok {
			return l, true
		}
		if c.eof || c.err != nil || !c.fill() {
			return line{}, false
		}
	}
}

// done reports whether the stream ended (EOF or error).
func (c *fdCommands) done() bool { return c.eof || c.err != nil }
