// Package lab controls the labs that 'c1m-testbed up' started and what
// dead runs left behind, without building a run: the registry of labs
// (File in each run's record directory under topology.RunDir), the
// holders of the host lock, and down, status, exec and clean. Building a
// lab is testbed's job (testbed.Up); it writes the registry through Write.
package lab
