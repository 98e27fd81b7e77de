// Package plan is the capacity planner: it turns a decoded scenario and
// the host's facts (Env) into a plan: five-tuples, file descriptors,
// worker processes per fd budget, memory, TIME_WAIT and conntrack
// budgets, and the first limit the scenario will hit with its fix.
//
// New refuses an impossible plan (a hard limit exceeded that the scenario
// does not expect) with a *scenarios.Error at the scenario's line, wrapping
// scenarios.ErrInvalid. Package report renders the plan (report.PlanText for
// `c1m-testbed plan`, and the report's Plan tables).
//
// The package is pure Go: it makes no system calls and reads nothing from
// /proc; the host's facts come in through Env (testbed.ProbeEnv reads them
// as root, DefaultEnv gives the reference machine's).
package plan
