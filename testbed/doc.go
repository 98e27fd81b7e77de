// Package testbed runs one scenario end to end: it journals and applies
// host settings, builds the topology, starts node processes inside their
// namespaces, drives the phases, samples metrics, checks expectations,
// writes the results directory, tears everything down and restores the
// host. It is the only package that knows scenarios, topology, nodes and
// report together.
package testbed
