package topology

import (
	"errors"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// TestNetemRoundTrip checks, without root, the conversion between a
// LinkShape and netem's units both ways: what newNetem asks the kernel for
// reads back (shapeOf) as the shape it came from.
func TestNetemRoundTrip(t *testing.T) {
	for _, s := range []LinkShape{
		{Delay: 20 * time.Millisecond},
		{Delay: 50 * time.Millisecond, Jitter: 5 * time.Millisecond, LossPercent: 1, RateBitsPerSec: 100_000_000},
		{Delay: time.Microsecond, LossPercent: 0.01},
		{LossPercent: 100},
		{RateBitsPerSec: 400_000_000_000}, // 50 GB/s: netem's 64-bit rate attribute
		{Delay: MaxLinkDelay, Jitter: MaxLinkDelay},
	} {
		n := newNetem(7, s)
		if n.LinkIndex != 7 || n.Parent != netlink.HANDLE_ROOT || n.Limit != LinkQueueLimit {
			t.Errorf("%v: qdisc attrs %+v, limit %d", s, n.QdiscAttrs, n.Limit)
		}
		got := shapeOf(n)
		if math.Abs(got.LossPercent-s.LossPercent) > 1e-5 {
			t.Errorf("%v: loss reads back as %v%%", s, got.LossPercent)
		}
		got.LossPercent = s.LossPercent
		if got != s {
			t.Errorf("shape %v reads back as %v", s, got)
		}
	}
}

// skipUnlessNetem skips a test that shapes links on a kernel without netem.
func skipUnlessNetem(t *testing.T) {
	t.Helper()
	if err := CheckNetem(); errors.Is(err, ErrNoNetem) {
		t.Skipf("skipping: this test shapes links: %v", err)
	} else if err != nil {
		t.Fatalf("CheckNetem: %v", err)
	}
}

// netemAt reads back the root netem qdisc of link index in namespace ns.
func netemAt(t *testing.T, ns string, index int) (s LinkShape, limit uint32, ok bool) {
	t.Helper()
	err := Do(ns, func() error {
		h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return err
		}
		defer h.Close()
		s, limit, ok, err = readNetem(h, index)
		return err
	})
	if err != nil {
		t.Fatalf("read the qdisc of link %d in %s: %v", index, ns, err)
	}
	return s, limit, ok
}

// netemRefs is the kernel's count of references to the sch_netem module,
// one per live netem qdisc; ok is false when the kernel does not show it
// (netem built in, or absent).
func netemRefs() (n int, ok bool) {
	b, err := os.ReadFile("/sys/module/sch_netem/refcnt")
	if err != nil {
		return 0, false
	}
	n, err = strconv.Atoi(strings.TrimSpace(string(b)))
	return n, err == nil
}

// assertNetemFreed waits (up to 10 s: the kernel frees a deleted
// namespace's devices asynchronously) until the netem references are back
// to before, the witness that the qdiscs went with the veths.
func assertNetemFreed(t *testing.T, before int, counted bool) {
	t.Helper()
	if !counted {
		t.Log("the kernel shows no sch_netem reference count: the deleted namespaces are the witness that their qdiscs are gone")
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _ := netemRefs()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d netem qdiscs still live 10 s after teardown (%d before the build)", n-before, before)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shapedForTest builds spec under the netem witness: after the topology's
// own cleanup (teardown, nothing of the run left) the netem qdiscs must be
// freed too.
func shapedForTest(t *testing.T, spec Spec) *Topology {
	t.Helper()
	before, counted := netemRefs()
	t.Cleanup(func() { assertNetemFreed(t, before, counted) }) // runs after buildForTest's cleanup
	return buildForTest(t, spec)
}

// TestTopologyLinkDelayConnect builds
//
//	c1m-<id>-c1 [netem delay 20ms] <-veth-> [netem delay 20ms] c1m-<id>-srv
//
// and checks that a TCP connect from the client address to a listener on
// the server address takes at least 40 ms (the SYN waits 20 ms leaving the
// client, the SYN-ACK 20 ms leaving the server: a physical floor, never a
// ceiling), and that both ends carry the qdisc as configured.
func TestTopologyLinkDelayConnect(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	skipUnlessNetem(t)
	shape := LinkShape{Delay: 20 * time.Millisecond}
	topo := shapedForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1, Link: shape})
	cl := topo.Clients[0]
	for _, end := range []struct {
		ns    string
		index int
	}{{cl.Name, clientLinkIndex}, {topo.Server.Name, serverLinkIndex(1)}} {
		got, limit, ok := netemAt(t, end.ns, end.index)
		if !ok || got != shape || limit != LinkQueueLimit {
			t.Errorf("netem of link %d in %s = %v, limit %d (present %v), want %v, limit %d", end.index, end.ns, got, limit, ok, shape, LinkQueueLimit)
		}
	}

	ln := acceptInServer(t, topo)
	for range 3 {
		var took time.Duration
		err := Do(cl.Name, func() error {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: cl.Addrs[0].AsSlice()}}
			start := time.Now()
			c, err := d.Dial("tcp", ln.Addr().String())
			took = time.Since(start)
			if err == nil {
				c.Close()
			}
			return err
		})
		if err != nil {
			t.Fatalf("dial from %s: %v", cl.Addrs[0], err)
		}
		if took < 2*shape.Delay {
			t.Errorf("a connect over a link with %v each way took %v, below the floor of %v", shape.Delay, took, 2*shape.Delay)
		}
		t.Logf("connect over %v each way: %v", shape.Delay, took)
	}
}

// TestTopologyLinkShapeReadBack builds two client links shaped with delay,
// jitter, loss and rate, and reads every parameter back from both ends of
// both links.
func TestTopologyLinkShapeReadBack(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	skipUnlessNetem(t)
	shape := LinkShape{Delay: 5 * time.Millisecond, Jitter: time.Millisecond, LossPercent: 0.5, RateBitsPerSec: 100_000_000}
	topo := shapedForTest(t, Spec{ClientNamespaces: 2, ClientAddresses: 2, ServerAddresses: 1, Link: shape})
	for i, cl := range topo.Clients {
		for _, end := range []struct {
			ns    string
			index int
		}{{cl.Name, clientLinkIndex}, {topo.Server.Name, serverLinkIndex(i + 1)}} {
			got, limit, ok := netemAt(t, end.ns, end.index)
			if !ok {
				t.Errorf("link %d in %s has no netem qdisc", end.index, end.ns)
				continue
			}
			if math.Abs(got.LossPercent-shape.LossPercent) > 1e-5 {
				t.Errorf("loss of link %d in %s = %v%%, want %v%%", end.index, end.ns, got.LossPercent, shape.LossPercent)
			}
			got.LossPercent = shape.LossPercent
			if got != shape || limit != LinkQueueLimit {
				t.Errorf("netem of link %d in %s = %v, limit %d, want %v, limit %d", end.index, end.ns, got, limit, shape, LinkQueueLimit)
			}
		}
	}
}

// TestTopologyPlainLinkNoQdisc: a zero LinkShape adds no qdisc to either
// end. It runs without netem too.
func TestTopologyPlainLinkNoQdisc(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})
	for _, end := range []struct {
		ns    string
		index int
	}{{topo.Clients[0].Name, clientLinkIndex}, {topo.Server.Name, serverLinkIndex(1)}} {
		if got, _, ok := netemAt(t, end.ns, end.index); ok {
			t.Errorf("link %d in %s has a netem qdisc (%v) without a link shape", end.index, end.ns, got)
		}
	}
}

// TestTopologyLinkShapeWithoutNetem: on a kernel without netem, Build of a
// shaped topology fails with ErrNoNetem and leaves nothing. It runs
// only where netem is missing (as on the project machine).
func TestTopologyLinkShapeWithoutNetem(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	if err := CheckNetem(); err == nil {
		t.Skip("skipping: this kernel has netem; the refusal is tested where it is missing")
	} else if !errors.Is(err, ErrNoNetem) {
		t.Fatalf("CheckNetem: %v", err)
	}
	id := NewRunID()
	topo, err := Build(t.Context(), Spec{RunID: id, ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1,
		Link: LinkShape{Delay: 20 * time.Millisecond}})
	if err == nil {
		topo.Teardown()
		t.Fatal("Build of a shaped topology succeeded on a kernel without netem")
	}
	if !errors.Is(err, ErrNoNetem) || !strings.Contains(err.Error(), "modprobe sch_netem") {
		t.Errorf("Build = %v, want an ErrNoNetem that says modprobe sch_netem", err)
	}
	t.Logf("Build: %v", err)
	assertNothingLeft(t, id)
}
