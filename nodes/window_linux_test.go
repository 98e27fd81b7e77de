package nodes

import (
	"fmt"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// TestWindowSlowHandshakes: a server that accepts 3,000 a second behind a
// backlog of 16 makes the handshakes, not the client's loop, hold the
// connects back (a SYN that finds the accept queue full is dropped and
// sent again a second later), so the adaptive window grows from
// windowMin (TestWindow) to in_flight: the loop finds every completion at
// once. A fixed window is in_flight throughout. Both complete every
// connect.
func TestWindowSlowHandshakes(t *testing.T) {
	hostlock.Shared(t)
	ns := testNetns(t)
	startServers(t, ns, 1, ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{5001}, Backlog: 16, AcceptRate: 3000})
	const inFlight, count = 128, 400
	for _, win := range []string{WindowAdaptive, WindowFixed} {
		c := startClient(t, ns, "client-"+win, ClientConfig{Sources: []string{"198.18.0.2", "198.18.0.3"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
		c.send(Command{Cmd: CmdConnect, Count: count, InFlight: inFlight, Window: win})
		var seen []string
		peak := int64(0)
		eventually(t, win+" window at in_flight", func() (bool, string) {
			s, _ := c.stats()
			if s.Window > 0 && (len(seen) == 0 || seen[len(seen)-1] != fmt.Sprint(s.Window)) {
				seen = append(seen, fmt.Sprint(s.Window))
			}
			peak = max(peak, s.Window)
			return peak == inFlight, "windows seen: " + strings.Join(seen, " ")
		})
		if r := c.wait(EventConnectDone); r.Detail != fmt.Sprintf("%d established, 0 failed", count) {
			t.Errorf("%s: connect-done %q", win, r.Detail)
		}
	}
}
