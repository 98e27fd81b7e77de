package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

func init() {
	register(&command{name: "up", summary: "build a scenario's lab, start its servers and leave it running", run: upCmd})
}

// statusFD is the descriptor on which the lab daemon tells 'up' how it went.
const statusFD = 3

func upCmd(args []string) int {
	fs := newFlags("up", "SCENARIO [--clients] [--scale F] [--clean]",
		`Builds SCENARIO's laboratory (namespaces, addresses, host settings, journaled),
starts its servers (built-in or [server] command) and, with --clients, its
clients too (built-in clients connect client.connections; a [client] command
is started with its share), and leaves it running in the background: the lab
survives the terminal closing. Explore it with 'c1m-testbed exec NODE -- CMD',
watch it with 'c1m-testbed status', stop it with 'c1m-testbed down'. The
lab's owner logs to /run/c1m-testbed/<run id>/log. See docs/byo.md.

Exit status: 0 the lab is up, 1 it failed to come up (and was torn down),
2 the scenario or command line is wrong, 3 the environment refused.`,
		"  sudo c1m-testbed up byo-server\n  sudo c1m-testbed up smoke --clients --scale 0.1")
	clients := fs.Bool("clients", false, "start the clients too and connect them")
	scale := fs.Float64("scale", 1, "multiply connection counts by `F`")
	clean := fs.Bool("clean", false, "clean leftovers of dead runs first instead of refusing to start")
	readyTimeout := fs.Duration("ready-timeout", 0, "how long an external server may take to open its ports (default 30s)")
	daemon := fs.String("daemon", "", "internal: run as the lab's owner with this run `ID`")
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "c1m-testbed up: name exactly one scenario, e.g. 'c1m-testbed up byo-server'")
		return exitUsage
	}
	if *scale <= 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed up: --scale must be greater than 0")
		return exitUsage
	}
	sc, err := scenarios.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed up: %v\n", err)
		return exitUsage
	}
	opt := testbed.Options{Scenario: sc, Scale: *scale, Clean: *clean, ReadyTimeout: *readyTimeout}
	if *daemon != "" {
		opt.RunID = *daemon
		return upDaemon(opt, *clients)
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed up: builds network namespaces and must run as root: try 'sudo c1m-testbed up ...'")
		return exitRefused
	}
	return upStart(topology.NewRunID(), args)
}

// upStart re-executes this program as the lab's owner, detached (its own
// session, stdin and output on /dev/null until it logs to its run
// directory), and waits until the owner says the lab is up or why not.
func upStart(runID string, args []string) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed up: failed to find this program to start the lab's owner: %v\n", err)
		return exitRefused
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed up: failed to make a pipe: %v\n", err)
		return exitRefused
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed up: %v\n", err)
		return exitRefused
	}
	cmd := exec.Command(exe, append([]string{"up", "--daemon", runID}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.ExtraFiles = []*os.File{wr} // becomes statusFD
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed up: failed to start the lab's owner: %v\n", err)
		return exitRefused
	}
	wr.Close()
	null.Close()
	fmt.Printf("c1m-testbed up: lab %s starting (owner pid %d)…\n", runID, cmd.Process.Pid)
	line, _ := bufio.NewReader(rd).ReadString('\n')
	rd.Close()
	verb, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch verb {
	case "up":
		var lab testbed.Lab
		if err := json.Unmarshal([]byte(rest), &lab); err != nil {
			fmt.Fprintf(os.Stderr, "c1m-testbed up: the lab's owner said something unreadable: %q\n", line)
			return exitFailed
		}
		_ = cmd.Process.Release() // it lives on, re-parented to init
		printLab(os.Stdout, &lab)
		fmt.Printf("\nExplore:  sudo c1m-testbed exec srv -- ss -s\nWatch:    sudo c1m-testbed status\nStop:     sudo c1m-testbed down %s\n", lab.RunID)
		return exitOK
	case "error":
		code, msg, _ := strings.Cut(rest, " ")
		n, _ := strconv.Atoi(code)
		fmt.Fprintf(os.Stderr, "c1m-testbed up: %s\n", msg)
		_ = cmd.Wait()
		if n == 0 {
			n = exitFailed
		}
		return n
	}
	err = cmd.Wait()
	fmt.Fprintf(os.Stderr, "c1m-testbed up: the lab's owner ended without saying why (%v); 'sudo c1m-testbed clean' removes anything it left\n", err)
	return exitFailed
}

// upDaemon is the lab's owner: it brings the lab up, reports on statusFD,
// moves its own output to the lab's log, and holds the lab until SIGTERM
// or SIGINT ('c1m-testbed down'), then tears it down and exits.
func upDaemon(opt testbed.Options, clients bool) int {
	unix.CloseOnExec(statusFD) // the lab's processes must not hold it
	status := os.NewFile(statusFD, "status")
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; cancel() }()

	said := false
	err := testbed.Up(ctx, opt, clients, func(lab *testbed.Lab) {
		if f, err := os.OpenFile(lab.Log, os.O_WRONLY|os.O_APPEND, 0); err == nil {
			_ = unix.Dup3(int(f.Fd()), 1, 0)
			_ = unix.Dup3(int(f.Fd()), 2, 0)
			f.Close()
		}
		data, _ := json.Marshal(lab)
		fmt.Fprintf(status, "up %s\n", data)
		status.Close()
		said = true
	})
	code := exitOK
	switch {
	case err == nil:
	case errors.Is(err, testbed.ErrRefused):
		code = exitRefused
	case errors.Is(err, scenarios.ErrInvalid):
		code = exitUsage
	default:
		code = exitFailed
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed up: %v\n", err)
		if !said {
			fmt.Fprintf(status, "error %d %s\n", code, strings.ReplaceAll(err.Error(), "\n", " | "))
		}
	}
	return code
}
