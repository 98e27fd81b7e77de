// Package scenarios decodes, validates, scales and shards c1m-testbed
// scenarios.
//
// A scenario is a TOML file (see docs/scenario-format.md): the topology of
// namespaces and addresses, the server and client configuration, the
// per-namespace and host-global sysctls, an ordered list of phases and the
// expectations that make the run self-checking. The built-in scenarios are
// embedded in the binary.
//
// Load and Parse decode strictly: an unknown key, a wrong type or a value
// out of range is an *Error naming the file, the line, the column and a fix,
// and every such error wraps ErrInvalid. The capacity plan of a decoded
// scenario is package plan's (plan.New).
//
// The package is pure Go: it makes no system calls and reads nothing from
// /proc but the scenario file it is given.
package scenarios
