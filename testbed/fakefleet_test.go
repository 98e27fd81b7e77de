package testbed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// A fake fleet: workers made by pipedWorker whose other end is a fake
// node in this process. It reads the orchestrator's JSON-line commands
// and answers with JSON-line reports (nodes/protocol.go), as `c1m-testbed
// node` does, but holds its connections as numbers: no process, no
// namespace, no socket, no root.

// fakeStatsEvery is how often a fake node reports its stats (a real one:
// every 250 ms).
const fakeStatsEvery = 10 * time.Millisecond

// errFakeKilled is how a fake node that dies says it ended.
var errFakeKilled = errors.New("signal: killed")

// fakeLab is a fake fleet and what its nodes share: the clients' open
// connections, which the servers report as theirs.
type fakeLab struct {
	t       *testing.T
	f       *fleet
	servers []*fakeNode
	clients []*fakeNode
}

// fakeNode is the far end of one worker's pipes.
type fakeNode struct {
	lab   *fakeLab
	w     *worker
	role  string
	index int
	in    *io.PipeReader // the worker's stdin
	out   *io.PipeWriter // the worker's stdout

	// on, when set, handles a command before the default does; it
	// returns true when the default is to be skipped. Set it before the
	// first command.
	on func(n *fakeNode, c nodes.Command) bool

	mu          sync.Mutex
	stats       nodes.Stats
	connectHist histogram.Histogram
	rttHist     histogram.Histogram
	cmds        []nodes.Command // every command received
	exitErr     error
	exited      chan struct{}
	exitOnce    sync.Once
}

// newFakeLab makes a fleet of fake server and client workers.
func newFakeLab(t *testing.T, servers, clients int) *fakeLab {
	lab := &fakeLab{t: t, f: newFleet()}
	for i := range servers {
		n := lab.node(roleServer, i, "fake-server")
		lab.servers = append(lab.servers, n)
		lab.f.servers = append(lab.f.servers, n.w)
	}
	for i := range clients {
		n := lab.node(roleClient, i, "fake-client")
		lab.clients = append(lab.clients, n)
		lab.f.clients = append(lab.f.clients, n.w)
	}
	// The nodes run once the lab is whole: a server reads the clients.
	for _, n := range append(append([]*fakeNode(nil), lab.servers...), lab.clients...) {
		go n.commands(n.in)
		go n.tick()
	}
	t.Cleanup(func() {
		lab.f.stopAll(time.Second) // a fake ends when its stdin closes
	})
	return lab
}

func (lab *fakeLab) node(role string, index int, ns string) *fakeNode {
	cmdR, cmdW := io.Pipe()
	repR, repW := io.Pipe()
	n := &fakeNode{lab: lab, role: role, index: index, in: cmdR, out: repW, exited: make(chan struct{})}
	n.stats.Errors = map[string]int64{}
	n.w = pipedWorker(role, index, ns, cmdW, repR, n.wait, lab.f.events)
	return n
}

// wait is the worker's wait: it returns how the fake ended.
func (n *fakeNode) wait() error {
	<-n.exited
	return n.exitErr
}

// exit ends the fake node: its stdout closes, its worker sees the exit.
func (n *fakeNode) exit(err error) {
	n.exitOnce.Do(func() {
		n.exitErr = err
		close(n.exited)
		n.out.Close()
	})
}

// commands reads the orchestrator's commands until stdin closes (then
// the node exits, as a real one does); a dead node still drains them.
func (n *fakeNode) commands(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var c nodes.Command
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			n.lab.t.Errorf("%s %d: unparsable command %q: %v", n.role, n.index, sc.Bytes(), err)
			continue
		}
		n.mu.Lock()
		n.cmds = append(n.cmds, c)
		n.mu.Unlock()
		select {
		case <-n.exited:
			continue
		default:
		}
		if n.on != nil && n.on(n, c) {
			continue
		}
		n.handle(c)
	}
	n.exit(nil)
}

// handle is a well-behaved node's answer to c.
func (n *fakeNode) handle(c nodes.Command) {
	switch c.Cmd {
	case nodes.CmdStart:
		n.event(nodes.EventReady, "")
	case nodes.CmdConnect:
		n.mu.Lock()
		n.stats.Established += int64(c.Count)
		n.stats.Connected += int64(c.Count)
		n.connectHist.RecordN(time.Millisecond, uint64(c.Count))
		n.mu.Unlock()
		n.report()
		n.event(nodes.EventConnectDone, "")
	case nodes.CmdClose:
		if n.role == roleServer {
			n.closePeers(c.Fraction)
		} else {
			n.mu.Lock()
			k := int64(math.Round(float64(n.stats.Established) * c.Fraction))
			n.stats.Established -= k
			n.stats.ClosedByUs += k
			n.mu.Unlock()
		}
		n.report()
		n.event(nodes.EventCloseDone, "")
	case nodes.CmdSend:
		n.event(nodes.EventSendDone, "")
	case nodes.CmdTraffic:
		n.mu.Lock()
		conns := int64(math.Round(float64(n.stats.Established) * c.Fraction))
		msgs := conns * int64(c.Duration/c.Interval)
		n.stats.MsgAsked += msgs
		n.stats.MsgSent += msgs
		n.stats.MsgAnswered += msgs
		n.stats.BytesOut += msgs * c.Bytes
		n.stats.BytesIn += msgs * c.Bytes
		n.rttHist.RecordN(2*time.Millisecond, uint64(msgs))
		n.mu.Unlock()
		n.report()
		n.event(nodes.EventTrafficDone, "")
	case nodes.CmdStop:
		n.exit(nil)
	}
}

// closePeers is a server closing a fraction of its clients' connections:
// server i serves the clients whose index is i modulo the servers.
func (n *fakeNode) closePeers(fraction float64) {
	for j, c := range n.lab.clients {
		if j%len(n.lab.servers) != n.index {
			continue
		}
		c.mu.Lock()
		k := int64(math.Round(float64(c.stats.Established) * fraction))
		c.stats.Established -= k
		c.stats.ClosedByPeer += k
		c.mu.Unlock()
		n.mu.Lock()
		n.stats.ClosedByUs += k
		n.mu.Unlock()
	}
}

// addErrors counts errors by errno name, as a node's stats do.
func (n *fakeNode) addErrors(m map[string]int64) {
	n.mu.Lock()
	for k, v := range m {
		n.stats.Errors[k] += v
	}
	n.mu.Unlock()
}

// commandsOf returns the commands the node received of one kind.
func (n *fakeNode) commandsOf(cmd string) []nodes.Command {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []nodes.Command
	for _, c := range n.cmds {
		if c.Cmd == cmd {
			out = append(out, c)
		}
	}
	return out
}

// tick reports stats every fakeStatsEvery until the node ends.
func (n *fakeNode) tick() {
	t := time.NewTicker(fakeStatsEvery)
	defer t.Stop()
	for {
		select {
		case <-n.exited:
			return
		case <-t.C:
			n.report()
		}
	}
}

// current is the node's stats now: a server holds its share of what the
// clients hold.
func (n *fakeNode) current() nodes.Stats {
	if n.role == roleServer {
		var est, conn int64
		for _, c := range n.lab.clients {
			c.mu.Lock()
			est += c.stats.Established
			conn += c.stats.Connected
			c.mu.Unlock()
		}
		k := int64(len(n.lab.servers))
		n.mu.Lock()
		defer n.mu.Unlock()
		s := n.stats
		s.Established, s.Accepted = est/k, conn/k
		if int64(n.index) < est%k {
			s.Established++
		}
		s.Errors = cloneCounts(n.stats.Errors)
		return s
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.stats
	s.Errors = cloneCounts(n.stats.Errors)
	ch, rh := n.connectHist, n.rttHist
	s.ConnectHist, s.RTTHist = &ch, &rh
	return s
}

func cloneCounts(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (n *fakeNode) report() {
	s := n.current()
	n.write(nodes.Report{Type: nodes.ReportStats, UnixMilli: time.Now().UnixMilli(), Stats: &s})
}

func (n *fakeNode) event(name, detail string) {
	n.write(nodes.Report{Type: nodes.ReportEvent, UnixMilli: time.Now().UnixMilli(), Event: name, Detail: detail})
}

// write sends one report line; after the node ended it goes nowhere.
func (n *fakeNode) write(rep nodes.Report) {
	data, err := json.Marshal(rep)
	if err != nil {
		n.lab.t.Errorf("%s %d: %v", n.role, n.index, err)
		return
	}
	_, _ = n.out.Write(append(data, '\n')) // one Write: lines never interleave
}

// fakeRunner is a runner over a fake lab: no topology, no host changes,
// a sampler that reads no namespace, progress into a buffer.
func fakeRunner(t *testing.T, lab *fakeLab, scenario string) (*runner, *lockedBuffer) {
	t.Helper()
	sc, err := scenarios.Parse("fake.toml", []byte(scenario))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	p, err := plan.New(sc, plan.DefaultEnv())
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	out := &lockedBuffer{}
	r := &runner{opt: Options{Scale: 1}, sc: sc, plan: p, fleet: lab.f, sampler: &measure.Sampler{},
		progress: newProgress(out, false), start: time.Now(), runID: "fake"}
	return r, out
}

// lockedBuffer is a bytes.Buffer safe for the runner and the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
