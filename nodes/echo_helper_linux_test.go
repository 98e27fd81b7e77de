package nodes

import (
	"fmt"
	"testing"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// echoServerWithConns starts, in ns and in this process, an echo server on
// 198.18.0.1:5001 (with a connection pool of connBuffer bytes per buffer
// when > 0, on engine) and connects conns raw blocking client sockets to it. Both are
// closed in tb.Cleanup. The caller polls the worker until it has accepted
// them.
func echoServerWithConns(tb testing.TB, ns netns.NsHandle, conns, connBuffer int, engine string) (*Worker, []int) {
	tb.Helper()
	var w *Worker
	var fds []int
	err := inNetns(ns, func() error {
		var err error
		w, err = NewServer(ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 1024, OnData: "echo", ConnBuffer: connBuffer, Engine: engine})
		if err != nil {
			return err
		}
		dst := &unix.SockaddrInet4{Addr: [4]byte{198, 18, 0, 1}, Port: 5001}
		for i := 0; i < conns; i++ {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			fds = append(fds, fd)
			if err := unix.Connect(fd, dst); err != nil {
				return fmt.Errorf("connect: %w", err)
			}
		}
		return nil
	})
	tb.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
		if w != nil {
			w.Close()
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	return w, fds
}
