package nodes

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netns"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
)

// roleEnv makes the test binary a node process (TestMain).
const roleEnv = "C1M_NODES_TEST_ROLE"

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		if role == "goserver" {
			os.Exit(goroutineServerMain(os.Stdin, os.Stdout))
		}
		Tune()
		os.Exit(Main(role, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// proc is a node subprocess driven over the control protocol, as the
// orchestrator does.
type proc struct {
	t      testing.TB
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan Report
	mu     sync.Mutex
	last   Stats
	nstats int
	// the last histograms received (a stats line carries one only when it
	// changed), as the orchestrator keeps them
	connHist, rttHist *histogram.Histogram
	exited            chan error
}

// startProc starts the test binary as a node of role inside ns.
func startProc(t testing.TB, ns netns.NsHandle, name, role string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, events: make(chan Report, 1024), exited: make(chan error, 1)}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), roleEnv+"="+role)
	p.cmd.Stderr = os.Stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// The child inherits the namespace of the thread that forks it.
	if err := inNetns(ns, p.cmd.Start); err != nil {
		t.Fatalf("failed to start %s: %v", name, err)
	}
	t.Cleanup(func() {
		p.stdin.Close()
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill() // by PID: our own child
			<-p.exited
		}
	})
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r Report
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Errorf("%s: report line does not parse: %q: %v", name, sc.Text(), err)
				continue
			}
			switch r.Type {
			case ReportStats:
				if r.Stats == nil {
					t.Errorf("%s: stats line without stats: %q", name, sc.Text())
					continue
				}
				p.mu.Lock()
				p.last = *r.Stats
				p.nstats++
				if r.Stats.ConnectHist != nil {
					p.connHist = r.Stats.ConnectHist
				}
				if r.Stats.RTTHist != nil {
					p.rttHist = r.Stats.RTTHist
				}
				p.mu.Unlock()
			case ReportEvent:
				p.events <- r
			default:
				t.Errorf("%s: unknown report type in %q", name, sc.Text())
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	return p
}

func (p *proc) send(c Command) {
	p.t.Helper()
	b, _ := json.Marshal(c)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatalf("%s: failed to send %s: %v", p.name, c.Cmd, err)
	}
}

// wait returns the next event, failing on an error event or a timeout.
func (p *proc) wait(event string) Report {
	p.t.Helper()
	select {
	case r := <-p.events:
		if r.Event != event {
			p.t.Fatalf("%s: got event %s (%s), want %s", p.name, r.Event, r.Detail, event)
		}
		return r
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s: no %s event within 30 s", p.name, event)
	}
	return Report{}
}

// hists returns the last connect and RTT histograms received (empty ones
// before any).
func (p *proc) hists() (conn, rtt histogram.Histogram) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.connHist != nil {
		conn = *p.connHist
	}
	if p.rttHist != nil {
		rtt = *p.rttHist
	}
	return conn, rtt
}

// stats returns the latest stats line and how many were seen.
func (p *proc) stats() (Stats, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.nstats
}

// eventually polls cond over the procs' stats until it holds (10 s).
func eventually(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	var msg string
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		var ok bool
		if ok, msg = cond(); ok {
			return
		}
	}
	t.Fatalf("%s never happened: %s", what, msg)
}

// sum adds f over the procs' latest stats.
func sum(ps []*proc, f func(Stats) int64) int64 {
	var n int64
	for _, p := range ps {
		s, _ := p.stats()
		n += f(s)
	}
	return n
}

func describe(ps []*proc) string {
	s := ""
	for _, p := range ps {
		st, _ := p.stats()
		s += fmt.Sprintf("\n  %s: %+v", p.name, st)
	}
	return s
}

// memory reads the process's RSS (/proc/PID/statm) and PSS
// (/proc/PID/smaps_rollup), as the orchestrator's role meter does: the
// workers do not report their own.
func (p *proc) memory() Stats {
	var s Stats
	pid := p.cmd.Process.Pid
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid)); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseInt(f[1], 10, 64)
			s.RSS = pages * int64(os.Getpagesize())
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); err == nil {
		if _, rest, ok := strings.Cut(string(b), "\nPss:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				s.PSS = kb << 10
			}
		}
	}
	return s
}
