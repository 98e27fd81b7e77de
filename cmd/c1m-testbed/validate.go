package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

func init() {
	register(&command{name: "validate", summary: "check scenario files: syntax, values and the capacity plan", run: runValidate})
}

func runValidate(args []string) int {
	fs := newFlags("validate", "SCENARIO... [--set KEY=VALUE]...",
		`Decodes each scenario strictly (an unknown key, a wrong type or a value out
of range is an error naming the file, line, column and a fix) and checks its
capacity plan on this host's typical facts: a scenario that needs more
five-tuples, file descriptors or memory than the host has is invalid, unless
its [expect] says that failure is the point of the lab (a limit the lab sets
itself; never the memory floor or the host's own fd and file budgets).
Whatever 'run' would refuse after changing the host is refused here first:
link values the topology refuses, more neighbour entries than gc_thresh3,
external programs whose arguments or environment execve would refuse.
SCENARIO is a path to a .toml file or the name of a built-in scenario;
--set KEY=VALUE checks it as 'run --set' would run it.
Exit status: 0 all valid, 2 any invalid.`,
		"  c1m-testbed validate scenarios/*.toml million\n  c1m-testbed validate smoke --set client.connections=80k")
	var sets setFlags
	fs.Var(&sets, "set", "`KEY=VALUE`: check the scenario with this key set, as run --set runs it; repeat for more keys")
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	set, err := overridesOf(sets)
	if err != nil {
		return exitFor("validate", err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "c1m-testbed validate: name at least one scenario; run 'c1m-testbed validate --help'")
		return exitUsage
	}
	status := exitOK
	for _, arg := range fs.Args() {
		if err := validateOne(arg, set); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if status == exitOK || !errors.Is(err, scenarios.ErrInvalid) {
				status = exitUsage
			}
			continue
		}
	}
	return status
}

func validateOne(arg string, set []scenarios.Override) error {
	s, err := scenarios.LoadWith(arg, set)
	if err != nil {
		return err
	}
	if _, err := plan.New(s, probeEnv()); err != nil {
		return err
	}
	if err := testbed.CheckPrograms(s, testbed.BinDir(runExe())); err != nil {
		return err
	}
	fmt.Printf("ok  %s (%s)\n", s.Name, s.Source)
	return nil
}
