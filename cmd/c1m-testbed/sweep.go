package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/c1m-testbed/c1m-testbed/experiment"
	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

func init() {
	register(&command{name: "sweep", summary: "run a scenario over a grid of values, each point repeated, with the spread", run: sweepCmd})
}

// setFlags collects repeated --set flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func sweepCmd(args []string) int {
	fs := newFlags("sweep", "SCENARIO --set KEY=V1,V2,… [--set KEY2=…] [--repeat N] [--out DIR] | --resume DIR",
		`Runs SCENARIO at every combination of the values given to --set (the grid
of points), each point --repeat times, interleaved: repeat r of every point
runs before repeat r+1, so drift over the sitting spreads over all points.
KEY is a scenario key by its path as the file writes it (client.connections,
topology.client-addresses, sysctl.server."net.ipv4.tcp_rmem", phase.2.interval);
every value is checked by the decoder and every point planned before the
first run: a wrong key, a wrong value or a point the host cannot hold is
refused, naming the point. A --set with one value applies to every point.
Each run is a normal results directory (p1-r1, p2-r1, …) inside the sweep
directory, which also holds sweep.json, sweep.csv (a row per run: the
point's values and every summary metric) and sweep.html/sweep.md: per
metric the median and range per point, and a chart of it against the first
parameter with bars from min to max (one line per value of the second).
Needs root. Ctrl-C stops after the current run; a second Ctrl-C (or
SIGTERM) stops the current run too (torn down, the host restored);
--resume DIR continues, keeping the runs that finished.
See docs/experiments.md.

Exit status: 0 every run passed, 1 a run failed or the sweep stopped early,
2 the scenario, a value, the command line or a resumed sweep.json is wrong,
3 the environment refused (not root; the sweep directory in use).`,
		"  sudo c1m-testbed sweep smoke --set client.connections=10k,20k,40k --repeat 3\n"+
			"  sudo c1m-testbed sweep port-exhaustion --set topology.client-addresses=1,2,4 --set 'sysctl.client.\"net.ipv4.ip_local_port_range\"=60000 60999,50000 60999'\n"+
			"  sudo c1m-testbed sweep --resume results/smoke-sweep-20261207T120000Z")
	var sets setFlags
	fs.Var(&sets, "set", "`KEY=V1,V2,…`: sweep KEY over the values (one value: set it for every point); repeat the flag for more keys")
	repeat := fs.Int("repeat", 3, "run each point `N` times (1 to 100)")
	resume := fs.String("resume", "", "continue the sweep in `DIR`: run what it has not run, keeping what it has")
	dry := fs.Bool("dry-run", false, "print the sweep's plan and stop (needs no root)")
	common := runFlags(fs)
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	if *resume != "" {
		var given []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "set", "repeat", "scale", "out":
				given = append(given, "--"+f.Name)
			}
		})
		if fs.NArg() != 0 || len(given) > 0 {
			fmt.Fprintf(os.Stderr, "c1m-testbed sweep: --resume DIR continues the sweep that DIR records, with its own scenario, values, repeats and scale; give no scenario%s with it\n",
				strings.Join(append([]string{""}, given...), " or "))
			return exitUsage
		}
		return resumeSweep(*resume, *dry, common)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "c1m-testbed sweep: name exactly one scenario, e.g. 'c1m-testbed sweep smoke --set client.connections=10k,20k'")
		return exitUsage
	}
	fixed, params, err := experiment.ParseSets(sets)
	if err != nil {
		return exitFor("sweep", err)
	}
	if len(params) == 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed sweep: give --set KEY=V1,V2 with at least two values to sweep over (to repeat one point, use 'c1m-testbed run SCENARIO --repeat N')")
		return exitUsage
	}
	d := experiment.Design{Scenario: fs.Arg(0), Set: fixed, Parameters: params, Repeat: *repeat, Scale: *common.scale}
	return startSweep("sweep", d, "-sweep", *dry, common)
}

// runOptions are the flags run and sweep share.
type runOptions struct {
	out, nodeExe *string
	scale        *float64
	clean        *bool
	noReport     *bool
	readyTimeout *time.Duration
	wait         *time.Duration
}

// runFlags defines the flags run and sweep share on fs.
func runFlags(fs *flag.FlagSet) runOptions {
	return runOptions{
		out:          fs.String("out", "", "results directory (default results/<scenario>-<UTC time>; a sweep's results/<scenario>-sweep-<UTC time>, a repeat's results/<scenario>-repeat-<UTC time>)"),
		scale:        fs.Float64("scale", 1, "multiply connection counts by `F`, above 0 and at most 10 (e.g. 0.02 runs 2% of the scenario)"),
		clean:        fs.Bool("clean", false, "clean leftovers of dead runs first instead of refusing to start"),
		noReport:     fs.Bool("no-report", false, "skip rendering each run's report.html and report.md"),
		nodeExe:      fs.String("node-exe", "", "run the workers from this `binary` (default: the c1m-node beside c1m-testbed when it is of the same build, else c1m-testbed re-executed; \"self\" forces the latter)"),
		readyTimeout: fs.Duration("ready-timeout", 0, "how long an external server ([server] command) may take to open its ports (default 30s)"),
		wait:         waitFlag(fs),
	}
}

// startSweep prepares design d, prints its plan and runs it into a new
// directory (kind names the default one: -sweep or -repeat).
func startSweep(cmd string, d experiment.Design, kind string, dry bool, o runOptions) int {
	exe, exeNote, err := nodeExe(*o.nodeExe)
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed %s: %v\n", cmd, err)
		return exitUsage
	}
	prep, err := experiment.Prepare(d, probeEnv(), testbed.BinDir(exe))
	if err != nil {
		return exitFor(cmd, err)
	}
	printSweepPlan(prep)
	if dry {
		return exitOK
	}
	if exeNote != "" {
		fmt.Println(exeNote)
	}
	out := *o.out
	if out == "" {
		var note string
		out, note = testbed.ResultsDirName(prep.Sweep.Scenario, kind, time.Now())
		if note != "" {
			fmt.Println("note: " + note)
		}
	}
	dir, err := experiment.CreateDir(out)
	if err != nil {
		return exitFor(cmd, err)
	}
	defer dir.Close()
	return runSweep(cmd, dir, prep, exe, o)
}

// resumeSweep continues the sweep recorded in path.
func resumeSweep(path string, dry bool, o runOptions) int {
	dir, old, err := experiment.OpenDir(path)
	if err != nil {
		return exitFor("sweep", err)
	}
	defer dir.Close()
	d, err := experiment.Resume(old)
	if err != nil {
		return exitFor("sweep", err)
	}
	exe, exeNote, err := nodeExe(*o.nodeExe)
	if err != nil {
		fmt.Fprintf(os.Stderr, "c1m-testbed sweep: %v\n", err)
		return exitUsage
	}
	prep, err := experiment.Prepare(d, probeEnv(), testbed.BinDir(exe))
	if err != nil {
		return exitFor("sweep", fmt.Errorf("the sweep in %s no longer prepares (was its scenario changed or moved? it is %q, relative to where the sweep started): %w", path, d.Scenario, err))
	}
	if err := prep.Adopt(old); err != nil {
		return exitFor("sweep", fmt.Errorf("%w: the sweep in %s cannot be resumed: %v", results.ErrOutOfBounds, path, err))
	}
	left := 0
	for _, r := range prep.Sweep.Runs {
		if !r.Done() {
			left++
		}
	}
	fmt.Printf("Resuming %s: %d of %d runs done, %d to go.\n", path, len(prep.Sweep.Runs)-left, len(prep.Sweep.Runs), left)
	printSweepPlan(prep)
	if dry {
		return exitOK
	}
	if exeNote != "" {
		fmt.Println(exeNote)
	}
	return runSweep("sweep", dir, prep, exe, o)
}

func printSweepPlan(prep *experiment.Prepared) {
	for _, n := range prep.Notes {
		fmt.Println("note: " + n)
	}
	fmt.Println(report.SweepPlanText(prep.Sweep, prep.Plans, prep.Estimates, prep.Largest))
}

// runSweep runs prep into dir with Ctrl-C handled: the first stops after
// the current run, the second stops the current run, the third kills its
// workers at once (the host is restored every time).
func runSweep(cmd string, dir *results.Dir, prep *experiment.Prepared, exe string, o runOptions) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop, force := make(chan struct{}), make(chan struct{})
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer func() { signal.Stop(sigs); close(sigs) }()
	go handleSweepSignals(sigs, stop, cancel, force)
	r := &experiment.Runner{Dir: dir, Prepared: prep, Stop: stop, Log: os.Stdout, Options: testbed.Options{
		Clean: *o.clean, Progress: os.Stdout, Terminal: term.IsTerminal(int(os.Stdout.Fd())),
		Force: force, NoReport: *o.noReport, Exe: exe, ReadyTimeout: *o.readyTimeout, HostWait: hostWait(*o.wait),
	}}
	err := r.Run(ctx)
	s := prep.Sweep
	fmt.Println()
	fmt.Print(report.SweepText(s))
	fmt.Printf("\n%s: %s\n", strings.ToUpper(s.Kind[:1])+s.Kind[1:], dir.Path())
	fmt.Printf("  %s, %s, %s\n", dir.Join(results.SweepCSVFile), dir.Join(results.SweepHTMLFile), dir.Join(results.SweepMarkdownFile))
	switch {
	case errors.Is(err, experiment.ErrStopped):
		fmt.Fprintf(os.Stderr, "c1m-testbed %s: %s; continue it with: c1m-testbed sweep --resume %s\n", cmd, s.Stopped, dir.Path())
		return exitFailed
	case err != nil:
		code := exitFor(cmd, err)
		fmt.Fprintf(os.Stderr, "c1m-testbed %s: its finished runs are kept; continue it with: c1m-testbed sweep --resume %s\n", cmd, dir.Path())
		return code
	}
	for _, run := range s.Runs {
		if run.Status != results.StatusPassed {
			return exitFailed
		}
	}
	return exitOK
}

// handleSweepSignals stages a sweep's stop: the first Ctrl-C stops after
// the current run, the second stops the current run (torn down, the host
// restored), the third kills its workers at once. SIGTERM and SIGHUP
// (a service stopped, a terminal closed) skip the first stage: the
// current run is torn down at once, before a SIGKILL can follow.
func handleSweepSignals(sigs <-chan os.Signal, stop chan<- struct{}, cancel func(), force chan<- struct{}) {
	stage := 0
	for sig := range sigs {
		if stage == 0 && sig != os.Interrupt {
			close(stop)
			stage = 1
		}
		switch stage {
		case 0:
			fmt.Fprintln(os.Stderr, "\nc1m-testbed: stopping after this run (Ctrl-C again to stop it now; the host is restored either way)")
			close(stop)
		case 1:
			fmt.Fprintln(os.Stderr, "\nc1m-testbed: stopping this run; tearing down and restoring the host (Ctrl-C again to kill workers at once)")
			cancel()
		case 2:
			fmt.Fprintln(os.Stderr, "\nc1m-testbed: killing workers now; the host is still restored")
			close(force)
		}
		stage++
	}
}

// overridesOf parses run's --set flags: one value each.
func overridesOf(sets []string) ([]scenarios.Override, error) {
	var out []scenarios.Override
	for _, s := range sets {
		o, err := scenarios.ParseOverride(s)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
