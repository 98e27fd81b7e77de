// Package sysctlscope is the one table of the sysctls c1m-testbed accepts:
// for each, where it lives on Linux 6.x (one value per network namespace,
// one value for the whole host, or a per-namespace value that only
// namespaces created later read), the shape of its value, its range and,
// for the settings a run writes on the host, the floor that keeps the host
// usable and whether it may be written relative to what is in use ("+N").
//
// The scenario decoder (scenarios) and the topology builder (topology)
// both read this table, and a root test (TestTableMatchesKernel) checks it
// against the running kernel from a throwaway network namespace. A key
// that is not in the table is not accepted anywhere: the table is an
// allowlist, so a shared scenario cannot make root write
// kernel.core_pattern, kernel.modules_disabled or any setting that cannot
// be restored.
//
// The package is pure: it makes no system calls (its test does).
package sysctlscope
