// Command wsserver is a WebSocket echo server for c1m-testbed's built-in
// clients (protocol = "websocket"): examples/wsserver/wsserver.toml runs
// it in the server namespace and times pings and text echoes against it.
//
// Why lesismal/nbio: Debian has no WebSocket origin built for a million
// connections (websocketd forks a process per connection), and the usual
// Go servers (gorilla/websocket, coder/websocket, net/http) spend a
// goroutine, its stack and its buffers on every connection: ~10 KB each,
// as examples/goserver shows. nbio brings its own epoll poller (nbio,
// nbhttp): a few poller goroutines read every connection, the HTTP upgrade
// and the frames are parsed by non-blocking state machines, and only a
// message being handled borrows a goroutine from a pool. It was built for
// a million connections (its README's benchmark holds 1M WebSocket
// connections in ~1 GB) and passes the Autobahn suite, so what the
// testbed measures here is a real event-loop WebSocket server, not ours.
//
// It listens on every address × port it is given (SO_REUSEPORT, so copies
// may share ports; the scenario runs one copy per port with {worker-port}
// so each copy's share fits one process's open-files limit), upgrades any
// path, echoes every text and binary message with its own type, answers
// every ping with a pong carrying the ping's data (nbio's default handler)
// and, unlike nbio's default, never closes a connection for being idle
// unless --idle says so. SIGTERM or SIGINT stops the engine and exits 0
// after printing the counts and why connections closed.
//
// Text frames must carry UTF-8 (RFC 6455 §8.1): nbio closes a connection
// that sends anything else (1007, "invalid UTF-8 bytes"); the built-in
// clients' text frames carry their stamp as hex digits for that reason.
//
//	wsserver --listen 198.18.0.1 --ports 8000,8001
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
	"golang.org/x/sys/unix"
)

func main() {
	listen := flag.String("listen", "0.0.0.0", "comma-separated `addresses` to listen on")
	ports := flag.String("ports", "8000", "comma-separated `ports` to listen on")
	idle := flag.Duration("idle", 0, "close a WebSocket connection that sent nothing for this long (0: never)")
	pollers := flag.Int("pollers", 0, "epoll loops (0: one per CPU the Go runtime may use)")
	flag.Parse()

	var addrs []string
	for _, a := range split(*listen) {
		for _, p := range split(*ports) {
			addrs = append(addrs, net.JoinHostPort(a, p))
		}
	}
	if len(addrs) == 0 {
		fmt.Fprintln(os.Stderr, "wsserver: nothing to listen on: give --listen and --ports")
		os.Exit(2)
	}
	if *pollers <= 0 {
		*pollers = runtime.GOMAXPROCS(0)
	}

	var opened, open, messages atomic.Int64
	var mu sync.Mutex
	closed := map[string]int{} // why connections closed, by error
	up := websocket.NewUpgrader()
	up.KeepaliveTime = *idle // nbio's default closes after 120 s without a frame
	up.OnOpen(func(*websocket.Conn) { opened.Add(1); open.Add(1) })
	up.OnClose(func(_ *websocket.Conn, err error) {
		open.Add(-1)
		why := "closed"
		if err != nil {
			why = err.Error()
		}
		mu.Lock()
		closed[why]++
		mu.Unlock()
	})
	up.OnMessage(func(c *websocket.Conn, mt websocket.MessageType, data []byte) {
		messages.Add(1)
		if err := c.WriteMessage(mt, data); err != nil {
			c.Close()
		}
	})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Upgrade answers a request that is not a WebSocket upgrade with
		// 400 itself.
		up.Upgrade(w, r, nil)
	})

	engine := nbhttp.NewEngine(nbhttp.Config{
		Network:                 "tcp4",
		Addrs:                   addrs,
		Listen:                  reusePortListen,
		NPoller:                 *pollers,
		MaxLoad:                 4 << 20,
		ReleaseWebsocketPayload: true,
		Handler:                 handler,
	})
	if err := engine.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "wsserver: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("wsserver: pid %d listening on %d sockets with %d pollers\n", os.Getpid(), len(addrs), *pollers)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	engine.Shutdown(ctx)
	fmt.Printf("wsserver: %d upgraded, %d still open, %d messages echoed\n", opened.Load(), open.Load(), messages.Load())
	mu.Lock()
	for why, n := range closed {
		fmt.Printf("wsserver: %d closed: %s\n", n, why)
	}
	mu.Unlock()
}

// reusePortListen listens with SO_REUSEPORT, so several copies may share
// an address and port.
func reusePortListen(network, addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	return lc.Listen(context.Background(), network, addr)
}

// split returns the non-empty comma-separated fields of s.
func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
