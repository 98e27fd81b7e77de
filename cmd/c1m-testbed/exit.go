package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// exitFor prints err (if any) as "c1m-testbed NAME: ..." and maps it to
// the exit status every subcommand uses: 3 the environment refused
// (testbed.ErrRefused, which lab.ErrRefused is; results.ErrBusy: a sweep
// directory in use), 2 the scenario or command line
// is wrong (scenarios.ErrInvalid, lab.ErrNotFound, an --out directory refused
// with results.ErrUnsafeDir, results or logs beyond their bounds:
// results.ErrOutOfBounds), 1 anything else. The error is printed escaped:
// it may quote a scenario's or a remote log's text.
func exitFor(name string, err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(os.Stderr, "c1m-testbed %s: %s\n", name, printable.String(err.Error()))
	return exitStatus(err)
}

// exitStatus is exitFor's mapping without the printing.
func exitStatus(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, testbed.ErrRefused), errors.Is(err, results.ErrBusy):
		return exitRefused
	case errors.Is(err, scenarios.ErrInvalid), errors.Is(err, lab.ErrNotFound), errors.Is(err, results.ErrUnsafeDir),
		errors.Is(err, results.ErrOutOfBounds):
		return exitUsage
	}
	return exitFailed
}

// verdict is the exit status of a run, clients or merge that finished:
// 0 when every expectation held, else 1; results that could not be
// written (a full disk) are said on stderr first, as the verdict stands.
func verdict(cmd string, res *testbed.Outcome) int {
	for _, e := range res.WriteErrors {
		fmt.Fprintf(os.Stderr, "c1m-testbed %s: the verdict stands, but results are missing: %s\n", cmd, printable.String(e))
	}
	if !res.Passed {
		return exitFailed
	}
	return exitOK
}
