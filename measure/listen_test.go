package measure

import (
	"net"
	"testing"
)

// TestListeningPortsBothFamilies: a listener on an IPv6 address shows
// only in /proc/net/tcp6, and ListeningPorts finds it there as well as an
// IPv4 one (loopback listeners in the test's own namespace, no root).
func TestListeningPortsBothFamilies(t *testing.T) {
	l4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l4.Close() })
	l6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("skipping: no IPv6 loopback here: %v", err)
	}
	t.Cleanup(func() { l6.Close() })
	got := ListeningPorts(nil, Here)
	for _, l := range []net.Listener{l4, l6} {
		if p := l.Addr().(*net.TCPAddr).Port; !got[p] {
			t.Errorf("ListeningPorts misses %s (port %d)", l.Addr(), p)
		}
	}
}
