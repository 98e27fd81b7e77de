// Command goserver is a plain goroutine-per-connection TCP server, the
// kind most Go services are: an example of "your own server" for
// c1m-testbed (scenarios/byo-server.toml, docs/byo.md).
//
// It listens on every address × port it is given, with SO_REUSEPORT so
// several copies can share the ports, reads and discards what clients
// send (or, with --echo, writes every byte back: the server a traffic
// phase needs to measure round trips), and counts connections. SIGTERM
// or SIGINT closes everything and exits 0 after printing the counts.
//
//	goserver --listen 198.18.0.1 --ports 8000,8001
//	goserver --listen 198.18.0.1 --ports 8000,8001 --echo
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	listen := flag.String("listen", "0.0.0.0", "comma-separated `addresses` to listen on")
	ports := flag.String("ports", "8000", "comma-separated `ports` to listen on")
	echo := flag.Bool("echo", false, "write back every byte a client sends (for a traffic phase's round trips) instead of discarding it")
	flag.Parse()

	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	var listeners []net.Listener
	for _, a := range split(*listen) {
		for _, p := range split(*ports) {
			l, err := lc.Listen(context.Background(), "tcp4", net.JoinHostPort(a, p))
			if err != nil {
				fmt.Fprintf(os.Stderr, "goserver: failed to listen on %s:%s: %v\n", a, p, err)
				os.Exit(1)
			}
			listeners = append(listeners, l)
		}
	}
	mode := "discard"
	if *echo {
		mode = "echo"
	}
	fmt.Printf("goserver: pid %d listening on %d sockets (%s)\n", os.Getpid(), len(listeners), mode)

	var accepted, open atomic.Int64
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	for _, l := range listeners {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() || isTemporary(err) {
						continue
					}
					return
				}
				accepted.Add(1)
				open.Add(1)
				mu.Lock()
				conns[c] = struct{}{}
				mu.Unlock()
				go func() { // one goroutine per connection: the point of this example
					if *echo {
						echoConn(c)
					} else {
						_, _ = io.Copy(io.Discard, c)
					}
					c.Close()
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					open.Add(-1)
				}()
			}
		}()
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	for _, l := range listeners {
		l.Close()
	}
	mu.Lock()
	for c := range conns {
		c.Close()
	}
	mu.Unlock()
	fmt.Printf("goserver: accepted %d, open at stop %d\n", accepted.Load(), open.Load())
}

// echoConn writes back what c sends until it closes, as most Go echo
// servers do: a blocking read into a buffer of the goroutine's own and a
// write of what it read. The buffer is small (the testbed's heartbeats
// are 64 bytes) so that idle connections cost what a goroutine costs.
func echoConn(c net.Conn) {
	buf := make([]byte, 512)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// isTemporary reports accept errors worth retrying (EMFILE, ECONNABORTED).
func isTemporary(err error) bool {
	s := err.Error()
	return strings.Contains(s, "too many open files") || strings.Contains(s, "connection aborted")
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
