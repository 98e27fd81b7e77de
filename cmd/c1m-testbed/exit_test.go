package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// TestExitStatus checks the one mapping from errors to exit statuses,
// also through wrapping: a refusal wrapped with %w stays a refusal.
func TestExitStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("boom"), exitFailed},
		{fmt.Errorf("x: %w", testbed.ErrRefused), exitRefused},
		{fmt.Errorf("outer: %w", fmt.Errorf("%w: inner: %w", testbed.ErrRefused, errors.New("EPERM"))), exitRefused},
		{fmt.Errorf("%w: bad key", scenarios.ErrInvalid), exitUsage},
		{scenarios.CheckScale(0), exitUsage},
		{fmt.Errorf("down: %w", lab.ErrNotFound), exitUsage},
		{fmt.Errorf("%w: stopping a lab needs root", lab.ErrRefused), exitRefused},
		{fmt.Errorf("%w: %w", testbed.ErrRefused, testbed.ErrProgram), exitRefused},
		{fmt.Errorf("--out: %w: not ours", results.ErrUnsafeDir), exitUsage},
	} {
		if got := exitStatus(c.err); got != c.want {
			t.Errorf("exitStatus(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
