// Command goclient opens N TCP connections with net.Dial from the given
// source addresses, holds them, and closes them all on SIGTERM: an
// example of "your own client" for c1m-testbed (docs/byo.md).
//
// Connection i uses source i mod S, and server address and port in turn;
// the kernel picks the source port at connect (IP_BIND_ADDRESS_NO_PORT),
// so each (source, server, port) has its own ~28k ports.
//
//	goclient --sources 198.18.0.2,198.18.0.3 --servers 198.18.0.1 --ports 8000 --connections 10000
package main

import (
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
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	sources := flag.String("sources", "", "comma-separated source `addresses` (empty: let the kernel choose)")
	servers := flag.String("servers", "", "comma-separated server `addresses`")
	ports := flag.String("ports", "8000", "comma-separated server `ports`")
	n := flag.Int("connections", 1000, "connections to open")
	parallel := flag.Int("parallel", 256, "dials in flight at once")
	message := flag.String("message", "", "sent once on every connection after connecting")
	flag.Parse()
	srcs, srvs, prts := split(*sources), split(*servers), split(*ports)
	if len(srvs) == 0 || len(prts) == 0 || *n < 0 {
		fmt.Fprintln(os.Stderr, "goclient: give --servers, --ports and --connections >= 0")
		os.Exit(2)
	}

	var mu sync.Mutex
	var conns []net.Conn
	var established, failed atomic.Int64
	stop := make(chan struct{})
	sem := make(chan struct{}, max(1, *parallel))
	var wg sync.WaitGroup
	go func() {
		for i := 0; i < *n; i++ {
			select {
			case <-stop:
				return
			case sem <- struct{}{}:
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				d := net.Dialer{Timeout: 10 * time.Second, Control: bindNoPort}
				if len(srcs) > 0 {
					d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(srcs[i%len(srcs)])}
				}
				target := net.JoinHostPort(srvs[(i/max(1, len(srcs)))%len(srvs)], prts[i%len(prts)])
				c, err := d.Dial("tcp4", target)
				if err != nil {
					if failed.Add(1) <= 5 {
						fmt.Fprintf(os.Stderr, "goclient: %v\n", err)
					}
					return
				}
				if *message != "" {
					_, _ = io.WriteString(c, *message)
				}
				established.Add(1)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				go func() { _, _ = io.Copy(io.Discard, c); c.Close() }() // the server closed: close our end
			}()
		}
		wg.Wait()
		fmt.Printf("goclient: pid %d: %d established, %d failed\n", os.Getpid(), established.Load(), failed.Load())
	}()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	close(stop)
	mu.Lock()
	for _, c := range conns {
		c.Close()
	}
	mu.Unlock()
	fmt.Printf("goclient: closed %d connections\n", established.Load())
}

// bindNoPort lets connect pick the source port per four-tuple.
func bindNoPort(_, _ string, c syscall.RawConn) error {
	return c.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
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
