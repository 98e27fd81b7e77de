package testbed

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/c1m-testbed/c1m-testbed/nodes"
)

// workerKind is what a built-in node and an external program do
// differently; everything else of a worker (its process, its exit, its
// output's tail, its usage read from outside) is the same.
type workerKind interface {
	// send writes one command line; an external program takes none.
	send(w *worker, c nodes.Command) error
	// stop ends the worker and returns once its process is gone.
	stop(w *worker, grace time.Duration)
	// describe names the worker for messages.
	describe(w *worker) string
	// reports tells whether the worker sends stats of its own.
	reports() bool
	// command is the worker's command line as the lab lists it ("" for a
	// built-in node: the lab shows its role).
	command() string
	// lastWords is what its output adds to "ended early" ("" for a
	// built-in node, whose errors come as events).
	lastWords(w *worker) string
}

// builtinNode is a c1m-node worker: commands go to its stdin, which is
// also its lifeline (it exits when the orchestrator dies), and it reports
// stats and events on its stdout.
type builtinNode struct {
	stdin io.WriteCloser
}

func (n *builtinNode) send(w *worker, c nodes.Command) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := n.stdin.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("failed to send %q to %s worker %d (pid %d): %w", c.Cmd, w.role, w.index, w.pid(), err)
	}
	return nil
}

// stop asks the node to stop, closes its lifeline and, after grace, kills
// its process group.
func (n *builtinNode) stop(w *worker, grace time.Duration) {
	w.mu.Lock()
	exited := w.exited
	if !exited {
		w.stopping = true // an exit from now on is ours, not a death
	}
	w.mu.Unlock()
	if !exited {
		_ = n.send(w, nodes.Command{Cmd: nodes.CmdStop})
	}
	_ = n.stdin.Close()
	select {
	case <-w.done:
		return
	case <-time.After(grace):
	}
	if p := w.pid(); p > 0 {
		_ = syscall.Kill(-p, syscall.SIGKILL) // its own process group (Setpgid)
	}
	<-w.done
}

// describe: "server worker 0 (pid 12)".
func (n *builtinNode) describe(w *worker) string {
	return fmt.Sprintf("%s worker %d (pid %d)", w.role, w.index, w.pid())
}

func (n *builtinNode) reports() bool              { return true }
func (n *builtinNode) command() string            { return "" }
func (n *builtinNode) lastWords(w *worker) string { return "" }

// externalProgram is a program of the scenario's ([server] or [client]
// command): started with its argument vector, ended with signals,
// measured from outside.
type externalProgram struct {
	argv []string // as started, placeholders expanded
}

func (p *externalProgram) send(w *worker, c nodes.Command) error {
	return fmt.Errorf("%s takes no commands: it is an external program", p.describe(w))
}

// stop: SIGTERM to its process group, SIGKILL after at most programGrace.
func (p *externalProgram) stop(w *worker, grace time.Duration) {
	w.terminate(min(grace, programGrace))
}

// describe: "server program /x/goserver (worker 0, pid 12)".
func (p *externalProgram) describe(w *worker) string {
	return fmt.Sprintf("%s program %s (worker %d, pid %d)", w.role, p.argv[0], w.index, w.pid())
}

func (p *externalProgram) reports() bool   { return false }
func (p *externalProgram) command() string { return strings.Join(p.argv, " ") }

// lastWords is the end of the program's output: why it ended, usually.
func (p *externalProgram) lastWords(w *worker) string {
	if t := lastLines(w.tail.String(), 5); t != "" {
		return "; its last output: " + t
	}
	return ""
}
