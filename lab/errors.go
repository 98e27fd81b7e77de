package lab

import (
	"errors"
	"fmt"
)

// ErrRefused marks a command the environment refused before it touched
// anything (not root); its text is testbed.ErrRefused's, and the command
// line maps both to the same exit status.
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
