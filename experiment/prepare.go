package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// Prepared is a design with every point decoded and planned: nothing in
// it runs before every point has passed the checks run makes.
type Prepared struct {
	// Sweep is the sweep.json to write, every run pending.
	Sweep *results.Sweep
	// Scenarios holds each point's scenario, overrides applied, unscaled
	// (testbed.Run scales it).
	Scenarios []*scenarios.Scenario
	// Plans holds each point's capacity plan, scaled.
	Plans []*plan.Plan
	// Estimates holds each point's estimated run time (plan.Estimate).
	Estimates []time.Duration
	// Largest is the point with the most connections.
	Largest int
	// Notes are what scaling changed, per point that it changed.
	Notes []string
}

// Total is the estimated time of every run of the sweep.
func (p *Prepared) Total() time.Duration {
	var d time.Duration
	for _, r := range p.Sweep.Runs {
		d += p.Estimates[r.Point]
	}
	return d
}

// Prepare decodes every point of d with its overrides (the decoder checks
// each value as it checks a file), plans it for env and checks its
// external programs in binDir, as run does before it touches the host. A
// point that fails is refused with its values named, before any run.
func Prepare(d Design, env plan.Env, binDir string) (*Prepared, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	kind := results.KindSweep
	if len(d.Parameters) == 0 {
		kind = results.KindRepeat
	}
	points := Points(d.Parameters)
	source := d.Scenario
	if isPath(source) {
		// A resume may start elsewhere: keep where the file is.
		if abs, err := filepath.Abs(source); err == nil {
			source = abs
		}
	}
	sw := &results.Sweep{Version: results.SweepVersion, Kind: kind, Source: source, Scale: d.Scale,
		Parameters: d.Parameters, Repeat: d.Repeat, Created: time.Now().UTC(), Points: points,
		Runs: Order(len(points), d.Repeat)}
	for _, o := range d.Set {
		sw.Set = append(sw.Set, o.String())
	}
	p := &Prepared{Sweep: sw}
	var most int64 = -1
	for i, pt := range points {
		where := pointName(sw, i)
		sc, err := scenarios.LoadWith(d.Scenario, overrides(d.Set, d.Parameters, pt))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		sw.Scenario = sc.Name
		scaled := sc
		if d.Scale != 1 {
			var note string
			if scaled, note = sc.ScaledNote(d.Scale); note != "" {
				p.Notes = append(p.Notes, where+": "+note)
			}
		}
		pl, err := plan.New(scaled, env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if err := testbed.CheckPrograms(scaled, binDir); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		body, err := json.Marshal(sc)
		if err != nil {
			return nil, fmt.Errorf("%s: failed to encode the scenario: %w", where, err)
		}
		sum := sha256.Sum256(body)
		sw.Points[i].Digest = hex.EncodeToString(sum[:])
		p.Scenarios = append(p.Scenarios, sc)
		p.Plans = append(p.Plans, pl)
		p.Estimates = append(p.Estimates, plan.Estimate(scaled))
		if pl.Connections > most {
			most, p.Largest = pl.Connections, i
		}
	}
	return p, nil
}

// isPath reports whether a scenario argument names a file, as
// scenarios.Load decides: it has a slash or ends in .toml.
func isPath(arg string) bool {
	return strings.ContainsRune(arg, '/') || strings.HasSuffix(arg, ".toml")
}

// pointName is "point 2 (client.connections=20k)", or "the scenario"
// for a repeat.
func pointName(s *results.Sweep, i int) string {
	if len(s.Parameters) == 0 {
		return "the scenario"
	}
	return fmt.Sprintf("point %d (%s)", i+1, s.Label(i))
}

// Resume rebuilds the design of the sweep recorded in s, to prepare it
// again and run what it has not run.
func Resume(s *results.Sweep) (Design, error) {
	d := Design{Scenario: s.Source, Parameters: s.Parameters, Repeat: s.Repeat, Scale: s.Scale}
	for _, set := range s.Set {
		o, err := scenarios.ParseOverride(set)
		if err != nil {
			return Design{}, fmt.Errorf("%s records --set %q, which this build refuses: %w", results.SweepFile, set, err)
		}
		d.Set = append(d.Set, o)
	}
	return d, nil
}
