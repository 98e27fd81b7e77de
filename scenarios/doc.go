// Package scenarios decodes, validates and plans c1m-testbed scenarios.
//
// A scenario is a TOML file (see docs/scenario-format.md): the topology of
// namespaces and addresses, the server and client configuration, the
// per-namespace and host-global sysctls, an ordered list of phases and the
// expectations that make the run self-checking. The built-in scenarios are
// embedded in the binary.
//
// Load and Parse decode strictly: an unknown key, a wrong type or a value
// out of range is an *Error naming the file, the line, the column and a fix,
// and every such error wraps ErrInvalid. NewPlan turns a scenario and the
// host's facts (Env) into a capacity plan: five-tuples, file descriptors,
// worker processes per fd budget, memory, TIME_WAIT and conntrack budgets,
// and the first limit the scenario will hit.
//
// The package is pure Go: it makes no system calls and reads nothing from
// /proc; the host's facts come in through Env.
package scenarios
