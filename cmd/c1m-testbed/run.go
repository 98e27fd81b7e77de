package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/c1m-testbed/c1m-testbed/experiment"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

func init() {
	register(&command{name: "run", summary: "run a scenario end to end and check its expectations", run: runCmd})
}

func runCmd(args []string) int {
	fs := newFlags("run", "SCENARIO [--set KEY=VALUE]... [--repeat N] [--out DIR] [--scale F] [--clean] [--wait DUR]",
		`Runs SCENARIO (a built-in name such as "million", or a .toml file): journals and
applies its [host] settings, builds the namespaces, starts the epoll server and
client workers inside them, runs the phases with live progress, samples metrics
every 500 ms, checks the [expect] block, tears everything down, restores the
host and writes run.json, samples.csv and a report to the results directory.
Needs root. Ctrl-C tears down cleanly; a second Ctrl-C kills the workers at
once and still restores the host (with --repeat, the first Ctrl-C stops
after the current run, as sweep does). A scenario with [host] settings owns the
host alone (the host lock, /run/c1m-testbed/host.lock): another such run
waits --wait for it, naming it, then gives up with exit status 3. Runs that
change nothing on the host go side by side (run.json says shared_host).

Exit status: 0 every expectation held, 1 an expectation failed or the run
failed, 2 the scenario or command line is wrong, 3 the environment refused.`,
		"  sudo c1m-testbed run million\n  sudo c1m-testbed run scenarios/smoke.toml --scale 0.5 --out /tmp/smoke\n  sudo c1m-testbed run smoke --set client.connections=20k --repeat 5")
	var sets setFlags
	fs.Var(&sets, "set", "`KEY=VALUE`: set a scenario key for this run, as the file would (e.g. client.connections=20k); repeat for more keys")
	repeat := fs.Int("repeat", 1, "run the scenario `N` times into one directory and print each metric as median [min–max] with its coefficient of variation (docs/experiments.md)")
	o := runFlags(fs)
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "c1m-testbed run: name exactly one scenario, e.g. 'c1m-testbed run million' ('c1m-testbed list' shows them)")
		return exitUsage
	}
	set, err := overridesOf(sets)
	if err != nil {
		return exitFor("run", err)
	}
	if *repeat != 1 {
		d := experiment.Design{Scenario: fs.Arg(0), Set: set, Repeat: *repeat, Scale: *o.scale}
		return startSweep("run", d, "-repeat", false, o)
	}
	exe, exeNote, err := nodeExe(*o.nodeExe)
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed run: %v\n", err)
		return exitUsage
	}
	sc, err := scenarios.LoadWith(fs.Arg(0), set)
	if err != nil {
		return exitFor("run", err)
	}

	if exeNote != "" {
		fmt.Println(exeNote)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	force := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "\nc1m-testbed: stopping; tearing down and restoring the host (Ctrl-C again to kill workers at once)")
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "\nc1m-testbed: killing workers now; the host is still restored")
		close(force)
	}()

	res, err := testbed.Run(ctx, testbed.Options{
		Scenario: sc, Scale: *o.scale, OutDir: *o.out, Clean: *o.clean,
		Progress: os.Stdout, Terminal: term.IsTerminal(int(os.Stdout.Fd())),
		Force: force, NoReport: *o.noReport, Exe: exe, ReadyTimeout: *o.readyTimeout,
		HostWait: hostWait(*o.wait),
	})
	if err != nil {
		return exitFor("run", err)
	}
	return verdict("run", res)
}

// waitFlag defines --wait, how long run and up wait for the host lock.
func waitFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("wait", testbed.DefaultHostWait, "how long to wait for the host while another run that changes host settings holds it (0 = do not wait)")
}

// hostWait turns --wait into Options.HostWait (where 0 means the default).
func hostWait(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// reorder moves flags before positional arguments so that
// "run million --scale 0.1" works like "run --scale 0.1 million". Whether
// a flag takes the next argument as its value is read from fs: every flag
// but a boolean one does.
func reorder(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !strings.Contains(a, "=") && takesValue(fs, a) && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}

// takesValue reports whether flag arg ("-x" or "--x") needs a value.
func takesValue(fs *flag.FlagSet, arg string) bool {
	f := fs.Lookup(strings.TrimLeft(arg, "-"))
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}
