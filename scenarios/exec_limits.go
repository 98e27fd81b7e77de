package scenarios

import "fmt"

// Bounds on what one external program is given (docs/security.md).
const (
	// MaxArgStrlen is the longest string execve takes as one argument or
	// environment entry, its NUL included: the kernel's MAX_ARG_STRLEN,
	// 32 pages of 4 KiB, fixed whatever the stack limit. A longer one
	// fails with E2BIG. {ports} of 21,000 server ports (6 bytes each,
	// "65535,") is about this long, and C1M_PORTS carries it for every
	// external program whether argv uses it or not.
	MaxArgStrlen = 131072
	// MaxExecBytes is the most one program's arguments and the
	// environment the scenario adds (its env table and the C1M_* copies
	// of the placeholders) may take, strings with their NULs plus one
	// 8-byte pointer each, as execve counts them. The kernel takes a
	// quarter of the stack limit, 2 MiB under the usual 8 MiB (and never
	// less than 128 KiB); the scenario gets half of that, and the other
	// half is left for the environment the run inherits (root's under
	// sudo is a few KiB).
	MaxExecBytes = 1 << 20
	// MaxWorkers is the most copies of one role a run starts: the cap
	// on server.workers, client.workers and the planner's own choice
	// (10,000 processes of ~3 MiB each are already 29 GiB). A server
	// that gives each copy its own port ({worker-port}) runs one copy per
	// server port, so it may list at most this many.
	MaxWorkers = 10000
)

// ErrorAt returns an *Error at the value of key in s's file (a dotted
// path such as "client.command[2]"; the file alone when it is not
// there; the --set that gave it, when an override did), for checks made
// outside the decoder on a decoded scenario.
func (s *Scenario) ErrorAt(key, fix, format string, a ...any) error {
	return errorAt(s.Source, s.pos.valAt(key), fmt.Sprintf(format, a...), fix)
}
