package testbed

import (
	"io"
	"time"

	"github.com/c1m-testbed/c1m-testbed/lab"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// ErrRefused marks a run the environment refused before anything was
// built: not root, a kernel feature missing, leftovers of a dead run
// (lab.ErrRefused, the one value for labs and runs alike).
var ErrRefused = lab.ErrRefused

// Options configure one run.
type Options struct {
	// Scenario to run, as loaded (unscaled).
	Scenario *scenarios.Scenario
	// Scale multiplies connection counts (1 = as written).
	Scale float64
	// OutDir is the results directory; "" means results/<name>-<UTC time>
	// (with -shard-I-of-N for a shard in place).
	OutDir string
	// Clean removes leftovers of dead runs before starting instead of refusing.
	Clean bool
	// Progress receives live progress; nil means quiet.
	Progress io.Writer
	// Terminal makes progress redraw one line instead of printing periodic lines.
	Terminal bool
	// Exe is the c1m-testbed binary re-executed as node workers ("" = this one).
	Exe string
	// Force, when closed, makes teardown kill workers at once (a second Ctrl-C).
	Force <-chan struct{}
	// NoReport skips rendering report.html/report.md at the end.
	NoReport bool
	// ReadyTimeout bounds how long an external server may take to open
	// every port (0 = 30 s).
	ReadyTimeout time.Duration
	// HostWait bounds how long the run waits for the host lock while
	// another run holds it (0 = DefaultHostWait, negative = not at all).
	HostWait time.Duration
	// RunID names the run ("" = a fresh one); namespaces are c1m-<RunID>-*.
	RunID string
	// InPlace, when set, runs the built-in clients in this network
	// namespace against a server named on the command line, building
	// nothing and changing no setting (RunClients).
	InPlace *InPlace
}

// Outcome is what a finished run produced.
type Outcome struct {
	// Dir is the results directory.
	Dir string
	// Passed is true when every expectation held.
	Passed bool
	// WriteErrors say which results could not be written (run.json,
	// samples.csv, the report: a full disk); the verdict stands, and the
	// temporary files of failed writes were removed.
	WriteErrors []string
}
