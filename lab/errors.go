package lab

import (
	"errors"
	"fmt"
)

// ErrRefused marks what the environment refused before anything was
// touched or built: not root, a kernel feature missing, leftovers of a
// dead run. It is the one such error: testbed.ErrRefused is this value.
var ErrRefused = errors.New("the environment refused the run")

// ErrNotFound marks a lab that was named but is not up (or several are
// up and none was named): the command line is wrong, not the host.
var ErrNotFound = errors.New("no such lab")

// notFound is an error wrapping ErrNotFound with its own message only.
func notFound(format string, args ...any) error {
	return &notFoundError{fmt.Sprintf(format, args...)}
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return ErrNotFound }
