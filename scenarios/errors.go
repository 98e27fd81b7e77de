package scenarios

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every decoding, validation and impossible-plan
// error, so callers can tell "the scenario is wrong" (exit status 2) from
// other failures with errors.Is(err, ErrInvalid).
var ErrInvalid = errors.New("invalid scenario")

// Error is one problem in a scenario file, with where it is and how to fix it.
type Error struct {
	// File is the scenario's path or "builtin:NAME".
	File string
	// Line and Col locate the problem, starting at 1; 0 when unknown.
	Line, Col int
	// Msg says what is wrong.
	Msg string
	// Fix says what to do about it; may be empty.
	Fix string
}

// Error formats the problem as "file:line:col: msg; fix: ...".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Unwrap returns ErrInvalid, so errors.Is(err, ErrInvalid) holds.
func (e *Error) Unwrap() error { return ErrInvalid }
