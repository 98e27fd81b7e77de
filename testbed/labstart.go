package testbed

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// A lab outlives the terminal that started it: StartLab re-executes the
// program, detached (its own session, stdin and output on /dev/null), as
// the lab's owner, which calls ServeLab. The owner tells the starter how
// it goes on a pipe, one line at a time:
//
//	say TEXT         progress to show (a wait for the host lock, the build)
//	up JSON          the lab is up: its Lab description
//	error KIND TEXT  it is not, and why; KIND is refused, invalid, program
//	                 or failed, so the starter's error matches the owner's
//
// After "up" the owner logs to the lab's log only.

// labStatusFD is the descriptor on which the lab's owner finds the pipe.
const labStatusFD = 3

// StartLab starts the owner of a new lab, running exe with argv(run id)
// (which must make it call ServeLab with that run id), and waits until it says that the lab is up or
// why not; what it says meanwhile is copied to w. An error that the
// owner reported wraps what the owner's did (ErrRefused,
// scenarios.ErrInvalid, ErrProgram).
func StartLab(exe string, argv func(runID string) []string, w io.Writer) (*lab.Lab, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: a lab builds network namespaces and must be started as root: try 'sudo c1m-testbed up ...'", ErrRefused)
	}
	runID := topology.NewRunID()
	rd, wr, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: failed to make a pipe to the lab's owner: %w", ErrRefused, err)
	}
	defer rd.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		wr.Close()
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	cmd := exec.Command(exe, argv(runID)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.ExtraFiles = []*os.File{wr} // becomes labStatusFD
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	wr.Close()
	null.Close()
	if err != nil {
		return nil, fmt.Errorf("%w: failed to start the lab's owner: %w", ErrRefused, err)
	}
	fmt.Fprintf(w, "c1m-testbed up: lab %s starting (owner pid %d)…\n", runID, cmd.Process.Pid)
	br := bufio.NewReader(rd)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			werr := cmd.Wait()
			return nil, fmt.Errorf("the lab's owner ended without saying why (%w); 'sudo c1m-testbed clean' removes anything it left", werr)
		}
		verb, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		switch verb {
		case "say":
			fmt.Fprintln(w, rest)
		case "up":
			var l lab.Lab
			if err := json.Unmarshal([]byte(rest), &l); err != nil {
				return nil, fmt.Errorf("the lab's owner (pid %d) said something unreadable: %q", cmd.Process.Pid, line)
			}
			_ = cmd.Process.Release() // it lives on, re-parented to init
			return &l, nil
		case "error":
			kind, msg, _ := strings.Cut(rest, " ")
			_ = cmd.Wait()
			return nil, &ownerError{msg: msg, kinds: errorKinds(kind)}
		}
	}
}

// ownerError is an error the lab's owner reported over the pipe.
type ownerError struct {
	msg   string
	kinds []error
}

func (e *ownerError) Error() string   { return e.msg }
func (e *ownerError) Unwrap() []error { return e.kinds }

// errorKind names what err wraps, for the pipe.
func errorKind(err error) string {
	switch {
	case errors.Is(err, scenarios.ErrInvalid):
		return "invalid"
	case errors.Is(err, ErrProgram) && errors.Is(err, ErrRefused):
		return "program-refused"
	case errors.Is(err, ErrRefused):
		return "refused"
	case errors.Is(err, ErrProgram):
		return "program"
	}
	return "failed"
}

// errorKinds is errorKind's inverse.
func errorKinds(kind string) []error {
	switch kind {
	case "invalid":
		return []error{scenarios.ErrInvalid}
	case "program-refused":
		return []error{ErrRefused, ErrProgram}
	case "refused":
		return []error{ErrRefused}
	case "program":
		return []error{ErrProgram}
	}
	return nil
}

// ServeLab is the lab's owner (started by StartLab): it brings the lab
// up (Up), tells the starter how that went, moves its own output to the
// lab's log, and holds the lab — and the host lock — until SIGTERM or
// SIGINT ('c1m-testbed down'); then it tears the lab down and returns.
func ServeLab(opt Options, clients bool) error {
	unix.CloseOnExec(labStatusFD) // the lab's processes must not hold it
	status := os.NewFile(labStatusFD, "status")
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; cancel() }()

	say := &sayWriter{status: status}
	opt.Progress = say
	err := Up(ctx, opt, clients, func(l *lab.Lab) {
		if f, err := os.OpenFile(l.Log, os.O_WRONLY|os.O_APPEND|unix.O_NOFOLLOW, 0); err == nil {
			_ = unix.Dup3(int(f.Fd()), 1, 0)
			_ = unix.Dup3(int(f.Fd()), 2, 0)
			f.Close()
		}
		data, _ := json.Marshal(l)
		say.done(fmt.Sprintf("up %s\n", data))
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed up: %v\n", err)
		say.done(fmt.Sprintf("error %s %s\n", errorKind(err), strings.ReplaceAll(err.Error(), "\n", " | ")))
	}
	return err
}

// sayWriter passes the owner's progress to the starter as "say" lines
// until the lab is up; after that it drops it (the log has it).
type sayWriter struct {
	status  *os.File
	partial []byte
	closed  bool
}

func (s *sayWriter) Write(p []byte) (int, error) {
	if s.closed {
		return len(p), nil
	}
	s.partial = append(s.partial, p...)
	for {
		i := strings.IndexByte(string(s.partial), '\n')
		if i < 0 {
			break
		}
		line := string(s.partial[:i])
		s.partial = s.partial[i+1:]
		fmt.Fprintf(s.status, "say %s\n", line)
	}
	return len(p), nil
}

// done sends the last line and closes the pipe; later calls do nothing.
func (s *sayWriter) done(line string) {
	if s.closed {
		return
	}
	s.closed = true
	fmt.Fprint(s.status, line)
	s.status.Close()
}
