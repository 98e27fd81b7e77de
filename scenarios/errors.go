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
	// File is the scenario's path or "builtin:NAME"; empty for a --set
	// read before any scenario (ParseOverride, ParseSweep).
	File string
	// Line and Col locate the problem, starting at 1; 0 when unknown, and
	// when the problem is in an override (Set).
	Line, Col int
	// Set is the --set KEY=VALUE the problem is in, when a key or value
	// of an override caused it: such a key may not be in the file at all,
	// so no line of the file is named.
	Set string
	// Msg says what is wrong.
	Msg string
	// Fix says what to do about it; may be empty.
	Fix string
}

// Error formats the problem as "file:line:col: msg; fix: ...", or as
// "file: --set KEY=VALUE: msg; fix: ..." when an override caused it.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 && e.Set == "" {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	if e.Set != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString("--set ")
		b.WriteString(e.Set)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// errorAt is an *Error at p: its line and column in file, or the
// override p comes from.
func errorAt(file string, p pos, msg, fix string) *Error {
	if p.set != "" {
		return &Error{File: file, Set: p.set, Msg: msg, Fix: fix}
	}
	return &Error{File: file, Line: p.line, Col: p.col, Msg: msg, Fix: fix}
}

// Unwrap returns ErrInvalid, so errors.Is(err, ErrInvalid) holds.
func (e *Error) Unwrap() error { return ErrInvalid }
