package testbed

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// worker is one process the run started in a namespace to play a role:
// a built-in node (c1m-node, which takes commands and reports stats) or
// an external program (started, ended and measured from outside). What
// the two do differently is its kind.
type worker struct {
	role      string
	index     int
	namespace string
	kind      workerKind // *builtinNode or *externalProgram
	cmd       *exec.Cmd
	wait      func() error // waits for the worker to end: cmd.Wait, or a test's fake
	events    chan<- workerEvent

	mu       sync.Mutex
	stats    nodes.Stats
	statsAt  time.Time
	hist     measure.Hists // the last cumulative histograms it reported (clients)
	exited   bool
	exitErr  error
	stopping bool // the run asked it to stop
	tail     tailBuffer
	done     chan struct{}

	usage measure.Usage // an external program's latest /proc reading
	peak  measure.Usage // its highest RSS, PSS and fds, and its last CPU time
	// final is the process's stat read as it exited (hasFinal): its CPU
	// to the end, exit included
	final    topology.Process
	hasFinal bool
}

// workerEvent is an event report of one worker, or its exit.
type workerEvent struct {
	w      *worker
	event  string // a nodes.Event* name, or "exit"
	detail string
}

// startWorker starts `exe node ROLE` inside namespace ns, or here, in the
// orchestrator's own namespace, for measure.Here (clients in place: a pod
// may not enter a namespace, so nothing is switched).
//
// join, when not nil, starts it inside the role's cgroup.
func startWorker(exe, role string, index int, ns string, join topology.CgroupJoiner, events chan<- workerEvent) (*worker, error) {
	node := &builtinNode{}
	w := &worker{role: role, index: index, namespace: ns, kind: node, events: events, done: make(chan struct{})}
	cmd := exec.Command(exe, "node", role)
	// Asynchronous preemption off: a worker runs one event loop on one P,
	// which calls functions constantly and so yields at a prologue when
	// the runtime asks; the SIGURG sysmon sends a goroutine that ran
	// 10 ms is a signal delivery and a context switch for nothing.
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1", "GODEBUG=madvdontneed=1,asyncpreemptoff=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("failed to make a control pipe for %s worker %d: %w", role, index, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("failed to make a report pipe for %s worker %d: %w", role, index, err)
	}
	cmd.Stderr = &w.tail
	w.cmd, node.stdin, w.wait = cmd, stdin, cmd.Wait
	start := func() error { return topology.StartIn(ns, cmd, inCgroup(join)...) }
	where := "in " + ns
	if measure.Namespace(ns) == measure.Here {
		start, where = func() error { return startHere(cmd) }, "here ("+exe+" node "+role+")"
	}
	if err := start(); err != nil {
		stdin.Close()
		stdout.Close()
		return nil, fmt.Errorf("failed to start %s worker %d %s: %w", role, index, where, err)
	}
	go w.read(stdout)
	return w, nil
}

// pipedWorker is a built-in worker without a process of its own: its
// commands go to in, its reports come from out, and wait says how it
// ended once out is closed. startWorker's process is one such pair of
// pipes; the tests drive a fake fleet through another, without root.
func pipedWorker(role string, index int, ns string, in io.WriteCloser, out io.Reader, wait func() error, events chan<- workerEvent) *worker {
	w := &worker{role: role, index: index, namespace: ns, kind: &builtinNode{stdin: in}, wait: wait, events: events, done: make(chan struct{})}
	go w.read(out)
	return w
}

// read decodes the worker's reports until its stdout closes, then waits for it.
func (w *worker) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var rep nodes.Report
		if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
			w.tail.Write(append([]byte("unparsable report: "), sc.Bytes()...))
			continue
		}
		switch rep.Type {
		case nodes.ReportStats:
			if rep.Stats != nil {
				w.mu.Lock()
				w.takeHists(rep.Stats)
				w.stats = *rep.Stats
				w.statsAt = time.Now()
				w.mu.Unlock()
			}
		case nodes.ReportEvent:
			w.events <- workerEvent{w: w, event: rep.Event, detail: rep.Detail}
		}
	}
	w.reap()
}

// reap takes the worker's final reading once its process has exited,
// waits for it, and reports the exit.
func (w *worker) reap() {
	if p := w.pid(); p > 0 {
		if f, err := topology.FinalReading(p); err == nil {
			w.mu.Lock()
			w.final, w.hasFinal = f, true
			w.mu.Unlock()
		}
	}
	err := w.wait()
	w.mu.Lock()
	w.exited, w.exitErr = true, err
	w.mu.Unlock()
	close(w.done)
	w.events <- workerEvent{w: w, event: "exit", detail: exitString(err)}
}

// send writes one command line to the worker (a built-in node; an
// external program takes none).
func (w *worker) send(c nodes.Command) error { return w.kind.send(w, c) }

// snapshot returns the latest stats. A worker that has exited holds no
// sockets any more: its gauges read 0, its cumulative counters stay.
func (w *worker) snapshot() nodes.Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	if w.exited {
		s.Established, s.Connecting, s.Window, s.RSS, s.PSS, s.FDs = 0, 0, 0, 0, 0, 0
	}
	return s
}

func (w *worker) pid() int {
	if w.cmd == nil || w.cmd.Process == nil { // not started, or a fake (pipedWorker)
		return 0
	}
	return w.cmd.Process.Pid
}

// alive reports whether the worker is still running.
func (w *worker) alive() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.exited
}

// stop ends the worker as its kind does and returns once the process is
// gone.
func (w *worker) stop(grace time.Duration) { w.kind.stop(w, grace) }

// killedEarly reports whether the worker ended before the run stopped it.
func (w *worker) killedEarly() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.exited && !w.stopping
}

func exitString(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// tailBuffer keeps the last 4 KiB written to it (a worker's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-4096:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// inCgroup is StartIn's option to start a process inside join's cgroup,
// or none when join is nil.
func inCgroup(join topology.CgroupJoiner) []topology.StartOption {
	if join == nil {
		return nil
	}
	return []topology.StartOption{topology.InCgroup(join)}
}
