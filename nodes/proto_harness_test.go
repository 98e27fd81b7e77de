package nodes

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// recorder is a sink that writes down every call, one line each, so a
// framer's output can be compared across splits of the same input.
type recorder struct {
	calls  []string
	pinged []byte // a server ping's payload gathered so far
}

func (r *recorder) ready(c *conn) { r.calls = append(r.calls, "ready") }
func (r *recorder) refused(c *conn, kind string) {
	r.calls = append(r.calls, "refused "+kind)
}
func (r *recorder) reply(c *conn, stamp uint32, echoed, timed bool) {
	r.calls = append(r.calls, fmt.Sprintf("reply stamp=%d echoed=%v timed=%v", stamp, echoed, timed))
}
func (r *recorder) ping(c *conn, payload []byte, last bool) {
	r.pinged = append(r.pinged, payload...)
	if last {
		r.calls = append(r.calls, fmt.Sprintf("ping %q", r.pinged))
		r.pinged = r.pinged[:0]
	}
}
func (r *recorder) push(c *conn)                 { r.calls = append(r.calls, "push") }
func (r *recorder) status(c *conn, class string) { r.calls = append(r.calls, "status "+class) }
func (r *recorder) garbled(c *conn, kind string) {
	r.calls = append(r.calls, "garbled "+kind)
}

// feedAll feeds in to a fresh connection (idx as its connection index, the
// handshake not done) in the pieces that cut says, and returns the calls;
// it stops where feed returns false, noting "end".
func feedAll(p clientProto, idx uint32, in []byte, cuts []int) []string {
	c := &conn{state: stOpen, idx: idx}
	r := &recorder{}
	prev := 0
	for _, at := range append(slices.Clone(cuts), len(in)) {
		if at < prev || at > len(in) {
			continue
		}
		piece := in[prev:at]
		prev = at
		if len(piece) == 0 {
			continue
		}
		if !p.feed(c, piece, r) {
			r.calls = append(r.calls, "end")
			break
		}
		// The worker's own step on ready (the framer may rely on it).
		for _, call := range r.calls {
			if call == "ready" {
				c.pb |= pbReady
			}
		}
	}
	return r.calls
}

// checkSplits feeds in whole, a byte at a time and in random pieces, and
// fails unless every way gives want.
func checkSplits(t *testing.T, p clientProto, idx uint32, in []byte, want []string) {
	t.Helper()
	ways := map[string][]int{"whole": nil}
	var bytes []int
	for i := 1; i < len(in); i++ {
		bytes = append(bytes, i)
	}
	ways["byte at a time"] = bytes
	rng := rand.New(rand.NewPCG(1, uint64(len(in))))
	for k := 0; k < 8; k++ {
		var cuts []int
		for i := 1; i < len(in); i++ {
			if rng.IntN(4) == 0 {
				cuts = append(cuts, i)
			}
		}
		ways[fmt.Sprintf("random %d", k)] = cuts
	}
	for name, cuts := range ways {
		got := feedAll(p, idx, in, cuts)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got\n  %s\nwant\n  %s", name, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// splitInvariant is the fuzz property of every framer: whatever the input,
// feeding it whole and in pieces gives the same calls, and nothing panics.
func splitInvariant(t *testing.T, p clientProto, in []byte, seed uint64) {
	whole := feedAll(p, 7, in, nil)
	rng := rand.New(rand.NewPCG(seed, 3))
	var cuts []int
	for i := 1; i < len(in); i++ {
		if rng.IntN(3) == 0 {
			cuts = append(cuts, i)
		}
	}
	if got := feedAll(p, 7, in, cuts); !slices.Equal(got, whole) {
		t.Fatalf("input %q: whole gave\n  %s\nsplit at %v gave\n  %s", in, strings.Join(whole, "\n  "), cuts, strings.Join(got, "\n  "))
	}
}

// checkPlainWrites checks a protocol with no handshake and replies in
// order: its request and keep-alive are want (appended to what dst
// holds), it says no hello and no pong, and it does not echo.
func checkPlainWrites(t *testing.T, p clientProto, want string) {
	t.Helper()
	if got := p.request(nil, 123, 5); string(got) != want {
		t.Errorf("request = %q, want %q", got, want)
	}
	if got := p.keepalive([]byte("x")); string(got) != "x"+want {
		t.Errorf("keepalive = %q, want %q", got, "x"+want)
	}
	if got := p.hello(nil, 1, 5); len(got) != 0 {
		t.Errorf("hello = %q, want nothing", got)
	}
	if got := p.pong(nil, []byte("a")); len(got) != 0 {
		t.Errorf("pong = %q, want nothing", got)
	}
	if p.echoes() {
		t.Error("echoes() = true, want false")
	}
}
