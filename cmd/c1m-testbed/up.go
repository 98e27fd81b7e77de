package main

import (
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

func init() {
	register(&command{name: "up", summary: "build a scenario's lab, start its servers and leave it running", run: upCmd})
}

func upCmd(args []string) int {
	fs := newFlags("up", "SCENARIO [--clients] [--scale F] [--clean] [--wait DUR]",
		`Builds SCENARIO's laboratory (namespaces, addresses, host settings, journaled),
starts its servers (built-in or [server] command) and, with --clients, its
clients too (built-in clients connect client.connections; a [client] command
is started with its share), and leaves it running in the background: the lab
survives the terminal closing. Explore it with 'c1m-testbed exec NODE -- CMD',
watch it with 'c1m-testbed status', stop it with 'c1m-testbed down'. The
lab's owner logs to /run/c1m-testbed/<run id>/log. See docs/byo.md.
A lab with [host] settings holds the host lock until 'down': another run or
lab that changes host settings waits --wait for it, then exits 3.

Exit status: 0 the lab is up, 1 it failed to come up (and was torn down),
2 the scenario or command line is wrong, 3 the environment refused.`,
		"  sudo c1m-testbed up byo-server\n  sudo c1m-testbed up smoke --clients --scale 0.1")
	clients := fs.Bool("clients", false, "start the clients too and connect them")
	scale := fs.Float64("scale", 1, "multiply connection counts by `F`")
	clean := fs.Bool("clean", false, "clean leftovers of dead runs first instead of refusing to start")
	readyTimeout := fs.Duration("ready-timeout", 0, "how long an external server may take to open its ports (default 30s)")
	daemon := fs.String("daemon", "", "internal: run as the lab's owner with this run `ID`")
	wait := waitFlag(fs)
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "c1m-testbed up: name exactly one scenario, e.g. 'c1m-testbed up byo-server'")
		return exitUsage
	}
	// Checked here too (testbed checks every run's scale): a lab daemonizes,
	// and a wrong --scale should fail before the terminal is left.
	if err := scenarios.CheckScale(*scale); err != nil {
		return exitFor("up", err)
	}
	sc, err := scenarios.Load(fs.Arg(0))
	if err != nil {
		return exitFor("up", err)
	}
	if *daemon != "" {
		exe, _, _ := nodeExe("") // the lean worker beside this binary, if it is of this build
		opt := testbed.Options{Scenario: sc, Scale: *scale, Clean: *clean, ReadyTimeout: *readyTimeout,
			HostWait: hostWait(*wait), RunID: *daemon, Exe: exe}
		return exitStatus(testbed.ServeLab(opt, *clients))
	}
	exe, err := os.Executable()
	if err != nil {
		return exitFor("up", fmt.Errorf("%w: failed to find this program to start the lab's owner: %w", testbed.ErrRefused, err))
	}
	owner := func(runID string) []string { return append([]string{"up", "--daemon", runID}, args...) }
	lab, err := testbed.StartLab(exe, owner, os.Stdout)
	if err != nil {
		return exitFor("up", err)
	}
	printLab(os.Stdout, lab)
	fmt.Printf("\nExplore:  sudo c1m-testbed exec srv -- ss -s\nWatch:    sudo c1m-testbed status\nStop:     sudo c1m-testbed down %s\n", lab.RunID)
	return exitOK
}
