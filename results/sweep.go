package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"
)

// Files of a sweep directory, beside one results directory per run.
const (
	SweepFile         = "sweep.json"
	SweepCSVFile      = "sweep.csv"
	SweepMarkdownFile = "sweep.md"
	SweepHTMLFile     = "sweep.html"
)

// SweepVersion is the version of sweep.json this package writes.
const SweepVersion = 1

// Sweep kinds: a grid of points, or one point repeated (run --repeat).
const (
	KindSweep  = "sweep"
	KindRepeat = "repeat"
)

// Statuses of one run of a sweep.
const (
	StatusPending     = "pending"     // not run yet
	StatusPassed      = "passed"      // ran; every expectation held
	StatusFailed      = "failed"      // ran; an expectation failed or the run failed
	StatusError       = "error"       // did not run to the end (refused, could not start): run again on resume
	StatusInterrupted = "interrupted" // stopped by Ctrl-C: run again on resume
)

// Bounds of what a sweep reads back (--resume, report, compare).
const (
	MaxSweepSize       = 16 << 20 // sweep.json: 10,000 runs of 20 metrics are about 5 MB
	MaxSweepParameters = 4
	MaxSweepValues     = 64 // values of one parameter
	MaxSweepRepeat     = 100
	MaxSweepRuns       = 10000 // points × repeats
)

// Sweep is sweep.json: an experiment over one scenario, its grid of points
// (every combination of the parameters' values), each run Repeat times,
// and what each run gave.
type Sweep struct {
	Version    int         `json:"version"`
	Kind       string      `json:"kind"` // KindSweep or KindRepeat
	Scenario   string      `json:"scenario"`
	Source     string      `json:"source"`
	Scale      float64     `json:"scale"`
	Set        []string    `json:"set,omitempty"` // KEY=VALUE overrides applied to every point
	Parameters []Parameter `json:"parameters"`    // none for a repeat
	Repeat     int         `json:"repeat"`
	Created    time.Time   `json:"created"`
	Points     []Point     `json:"points"`
	// Runs are in the order they run: repeat r of every point before
	// repeat r+1, so drift over the sitting spreads over all points.
	Runs []SweepRun `json:"runs"`
	// Stopped says why the sweep stopped before its last run ("" when
	// it ran them all, or is running).
	Stopped string `json:"stopped,omitempty"`
}

// Parameter is one swept key and its values, as given to --set.
type Parameter struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// Point is one combination of the parameters' values, one per parameter.
type Point struct {
	Values []string `json:"values"`
	// Digest is the SHA-256 of the point's decoded scenario (overrides
	// applied, unscaled): a resume refuses a scenario that decodes
	// differently from the one the sweep began with.
	Digest string `json:"digest,omitempty"`
}

// SweepRun is one run of a sweep.
type SweepRun struct {
	Point   int                `json:"point"`  // index into Points
	Repeat  int                `json:"repeat"` // 1-based
	Dir     string             `json:"dir"`    // its results directory, inside the sweep directory
	Status  string             `json:"status"`
	Started time.Time          `json:"started,omitzero"`
	Ended   time.Time          `json:"ended,omitzero"`
	Error   string             `json:"error,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"` // SweepMetrics by name, from its run.json
}

// Done reports whether r ran to an end that a resume keeps.
func (r SweepRun) Done() bool { return r.Status == StatusPassed || r.Status == StatusFailed }

// runDirName is the form of a run's directory inside a sweep: p3-r2.
var runDirName = regexp.MustCompile(`^p[0-9]{1,5}-r[0-9]{1,3}$`)

// RunDirName names the results directory of repeat r (1-based) of point
// p (0-based) inside a sweep directory.
func RunDirName(p, r int) string { return fmt.Sprintf("p%d-r%d", p+1, r) }

// ParseSweep decodes and checks sweep.json: every count within its bound,
// every index in range, every run's directory a name of the form p1-r1,
// so that what a resume or a report reads stays inside the sweep
// directory. Errors wrap ErrOutOfBounds or describe what is wrong.
func ParseSweep(data []byte) (*Sweep, error) {
	if len(data) > MaxSweepSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than %d", ErrOutOfBounds, SweepFile, len(data), MaxSweepSize)
	}
	var s Sweep
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (was it written by c1m-testbed sweep?): %w", SweepFile, err)
	}
	if err := s.check(); err != nil {
		if !errors.Is(err, ErrOutOfBounds) {
			err = fmt.Errorf("%w: %w", ErrOutOfBounds, err) // no sweep writes it: refused like a results file beyond bounds
		}
		return nil, fmt.Errorf("%s: %w", SweepFile, err)
	}
	return &s, nil
}

func (s *Sweep) check() error {
	switch {
	case s.Version != SweepVersion:
		return fmt.Errorf("version %d, this build reads version %d", s.Version, SweepVersion)
	case s.Kind != KindSweep && s.Kind != KindRepeat:
		return fmt.Errorf("kind %q is neither %q nor %q", s.Kind, KindSweep, KindRepeat)
	case len(s.Parameters) > MaxSweepParameters:
		return fmt.Errorf("%w: %d parameters, at most %d", ErrOutOfBounds, len(s.Parameters), MaxSweepParameters)
	case s.Repeat < 1 || s.Repeat > MaxSweepRepeat:
		return fmt.Errorf("%w: repeat %d is not 1 to %d", ErrOutOfBounds, s.Repeat, MaxSweepRepeat)
	case len(s.Points) == 0 || len(s.Points) > MaxSweepRuns || len(s.Runs) > MaxSweepRuns:
		return fmt.Errorf("%w: %d points and %d runs, want 1 to %d", ErrOutOfBounds, len(s.Points), len(s.Runs), MaxSweepRuns)
	case len(s.Runs) != len(s.Points)*s.Repeat:
		return fmt.Errorf("%d runs for %d points × %d repeats", len(s.Runs), len(s.Points), s.Repeat)
	case math.IsNaN(s.Scale) || s.Scale <= 0 || s.Scale > 10:
		return errors.New("scale is not above 0 and at most 10")
	}
	for _, p := range s.Parameters {
		if len(p.Values) == 0 || len(p.Values) > MaxSweepValues {
			return fmt.Errorf("%w: parameter %q has %d values, want 1 to %d", ErrOutOfBounds, p.Key, len(p.Values), MaxSweepValues)
		}
	}
	grid := 1
	for _, p := range s.Parameters {
		grid *= len(p.Values) // at most 64^4
	}
	if len(s.Points) != grid {
		return fmt.Errorf("%d points, but the parameters' values make %d", len(s.Points), grid)
	}
	for i, p := range s.Points {
		if len(p.Values) != len(s.Parameters) {
			return fmt.Errorf("point %d has %d values for %d parameters", i+1, len(p.Values), len(s.Parameters))
		}
		for j, v := range p.Values {
			if !slices.Contains(s.Parameters[j].Values, v) {
				return fmt.Errorf("point %d: %q is not a value of %s", i+1, v, s.Parameters[j].Key)
			}
		}
	}
	seen := map[[2]int]bool{}
	for i, r := range s.Runs {
		switch {
		case r.Point < 0 || r.Point >= len(s.Points) || r.Repeat < 1 || r.Repeat > s.Repeat:
			return fmt.Errorf("run %d names point %d, repeat %d: out of range", i+1, r.Point+1, r.Repeat)
		case seen[[2]int{r.Point, r.Repeat}]:
			return fmt.Errorf("run %d repeats point %d, repeat %d", i+1, r.Point+1, r.Repeat)
		case r.Dir != RunDirName(r.Point, r.Repeat) || !runDirName.MatchString(r.Dir):
			return fmt.Errorf("run %d: directory %q is not %s", i+1, r.Dir, RunDirName(r.Point, r.Repeat))
		case len(r.Metrics) > len(SweepMetrics):
			return fmt.Errorf("%w: run %d has %d metrics, at most %d", ErrOutOfBounds, i+1, len(r.Metrics), len(SweepMetrics))
		}
		switch r.Status {
		case StatusPending, StatusPassed, StatusFailed, StatusError, StatusInterrupted:
		default:
			return fmt.Errorf("run %d: unknown status %q", i+1, r.Status)
		}
		seen[[2]int{r.Point, r.Repeat}] = true
	}
	return nil
}

// ReadSweep reads sweep.json in d.
func (d *Dir) ReadSweep() (*Sweep, error) {
	data, err := d.read(SweepFile, MaxSweepSize, true)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s (is %s a sweep directory?): %w", SweepFile, d.Path(), err)
	}
	return ParseSweep(data)
}

// WriteSweep writes s as sweep.json in d, atomically.
func (d *Dir) WriteSweep(s *Sweep) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("failed to encode %s: %w", SweepFile, err)
	}
	return d.WriteFile(SweepFile, append(data, '\n'))
}

// IsSweepDir reports whether d holds a sweep.json.
func IsSweepDir(d *Dir) bool { return d.exists(SweepFile) }

// Label is the point's values as "key=value, key=value" ("" for a repeat).
func (s *Sweep) Label(point int) string {
	var b bytes.Buffer
	for i, p := range s.Parameters {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%s", p.Key, s.Points[point].Values[i])
	}
	return b.String()
}
