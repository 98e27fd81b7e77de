package main

import (
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// probeEnv returns the host facts plans are checked against: this host's
// limits, memory and sysctls (a variable so tests can pin them).
var probeEnv = testbed.ProbeEnv

func init() {
	register(&command{name: "plan", summary: "print a scenario's capacity plan and the first limit it hits", run: runPlan})
}

func runPlan(args []string) int {
	fs := newFlags("plan", "SCENARIO [--scale F] [--set KEY=VALUE]...",
		`Prints the capacity plan of a scenario: five-tuples (server addresses ×
ports × client namespaces × client addresses × source ports), worker
processes per role from the per-process fd budget, file descriptors against
fs.file-max and fs.nr_open, kernel and worker memory, TIME_WAIT and conntrack
budgets; for each limit what the scenario needs, what the host has, the
headroom and the cheapest fix. Then what 'run' will do as root: each [host]
setting with its current and new value, the namespaces, links and addresses
it creates, and every program it runs as root with its arguments and number
of copies. Needs no root and changes nothing.
SCENARIO is a path to a .toml file or the name of a built-in scenario.
Exit status: 0 the plan fits (or hits only limits the scenario expects),
2 the scenario is invalid or impossible.`,
		"  c1m-testbed plan million\n  c1m-testbed plan scenarios/port-exhaustion.toml --scale 0.1")
	var sets setFlags
	fs.Var(&sets, "set", "`KEY=VALUE`: plan the scenario with this key set, as run --set runs it; repeat for more keys")
	scale := fs.Float64("scale", 1, "multiply connection counts (and rates and expected counts) by `F`, above 0 and at most 10, e.g. 0.02")
	// Accept flags after the scenario too: plan million --scale 0.1.
	var pos []string
	rest := args
	for {
		if code, done := parseFlags(fs, rest); done {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fmt.Fprintln(os.Stderr, "c1m-testbed plan: name exactly one scenario; run 'c1m-testbed plan --help'")
		return exitUsage
	}
	if err := scenarios.CheckScale(*scale); err != nil {
		return exitFor("plan", err)
	}
	set, err := overridesOf(sets)
	if err != nil {
		return exitFor("plan", err)
	}
	s, err := scenarios.LoadWith(pos[0], set)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	if *scale != 1 {
		var note string
		if s, note = s.ScaledNote(*scale); note != "" {
			fmt.Printf("note: %s\n\n", note)
		}
	}
	env := probeEnv()
	p, err := plan.New(s, env)
	fmt.Print(report.PlanText(p))
	exe := runExe()
	if err == nil {
		err = testbed.CheckPrograms(s, testbed.BinDir(exe)) // what exec would refuse once the host is changed
	}
	if err != nil {
		fmt.Fprintln(os.Stderr)
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	fmt.Println()
	testbed.WriteActions(os.Stdout, testbed.PlanActions(s, p, env, exe))
	return exitOK
}

// runExe is the binary a run started from here gives its workers (and
// whose directory is {bin}): the lean worker beside this binary, else
// this binary.
func runExe() string {
	exe, _ := os.Executable()
	if node, _, _ := nodeExe(""); node != "" {
		exe = node
	}
	return exe
}
