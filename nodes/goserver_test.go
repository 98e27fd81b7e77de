package nodes

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"
)

// goroutineServerMain is the idiomatic Go server the benchmark compares
// against: net.Listen, one goroutine per connection reading into its own
// 1 KiB buffer (smaller than bufio's 4 KiB default, to be fair to it). It
// speaks just enough of the protocol: start, ready, stats (Established,
// Messages, RSS), exit on EOF. It runs with the default GOMAXPROCS.
func goroutineServerMain(in io.Reader, out io.Writer) int {
	sc := bufio.NewScanner(in)
	if !sc.Scan() {
		return 0
	}
	var cmd Command
	if err := json.Unmarshal(sc.Bytes(), &cmd); err != nil || cmd.Server == nil {
		return 1
	}
	rep := &reporter{w: out}
	var established, messages atomic.Int64
	for _, a := range cmd.Server.Addrs {
		for _, p := range cmd.Server.Ports {
			ln, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(p)))
			if err != nil {
				rep.event(EventError, err.Error())
				return 1
			}
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					established.Add(1)
					go func() {
						defer c.Close()
						buf := make([]byte, 1024)
						for {
							n, err := c.Read(buf)
							messages.Add(int64(countNewlines(buf[:n])))
							if err != nil {
								established.Add(-1)
								return
							}
						}
					}()
				}
			}()
		}
	}
	rep.event(EventReady, "goroutine-per-connection server")
	eof := make(chan struct{})
	go func() {
		for sc.Scan() {
		}
		close(eof)
	}()
	w := &Worker{}
	for {
		select {
		case <-eof:
			return 0
		case <-time.After(statsEvery):
			rep.stats(Stats{Established: established.Load(), Messages: messages.Load(), RSS: w.rss(), PSS: pss()}, true)
		}
	}
}
