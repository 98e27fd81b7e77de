package testbed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/plan"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/topology"
)

// The life of a run, a lab and clients in place is one frame, and lives
// here and in lifecycle.go once:
//
//	newRunner     scale (and shard, in place), plan, check the host and
//	              the programs: nothing changes
//	openResults   the results directory, named once (not for a lab)
//	claim         record this process as the run's owner   } not in
//	takeHost      the host lock and the host settings journal } place
//	... build, start, phases (run) / idle until 'down' (lab) /
//	    start here, phases (in place) ...
//	shutDown      stop every process; unless nothing was built: end what
//	              is left in the namespaces, remove them, restore the
//	              host, check it, give the host lock up, list leftovers
//	record        run.json assembled once from what the steps returned
//	writeOutcome  the verdict printed, run.json and the report written
//	              (merge ends the same way)

// newRunner scales the scenario (and, for clients in place, shards it
// and fits it to this namespace), plans it, checks the host (Preflight)
// and finds the external programs it names (the decoder checked what
// they may do). Nothing is changed yet.
func newRunner(opt Options) (*runner, error) {
	if opt.Scale == 0 {
		opt.Scale = 1
	}
	if err := scenarios.CheckScale(opt.Scale); err != nil {
		return nil, err
	}
	sc, scaleNote := opt.Scenario, ""
	if opt.Scale != 1 {
		sc, scaleNote = sc.ScaledNote(opt.Scale)
	}
	r := &runner{opt: opt, fleet: newFleet(), start: time.Now(), scaleNote: scaleNote}
	if scaleNote != "" {
		r.note(scaleNote)
	}
	r.runID = opt.RunID
	if r.runID == "" {
		r.runID = topology.NewRunID()
	}
	var err error
	if opt.InPlace != nil {
		if sc, err = r.fitHere(sc); err != nil {
			return nil, err
		}
	}
	r.sc = sc
	// The plan first: a scenario that cannot run is said before the host
	// is looked at (Preflight, which --clean lets clean dead runs).
	if r.plan, err = plan.New(sc, ProbeEnv()); err != nil {
		if opt.InPlace != nil {
			return nil, fmt.Errorf("shard %s of %s in place: %w", opt.InPlace.Shard, opt.Scenario.Name, err)
		}
		return nil, err
	}
	if opt.InPlace == nil {
		if err := checkHost(sc, opt); err != nil {
			return nil, err
		}
	}
	if r.opt.Exe == "" {
		if r.opt.Exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("%w: failed to find this program to start node workers: %w", ErrRefused, err)
		}
	}
	if opt.InPlace == nil {
		if err := r.findPrograms(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// checkHost checks that the host can run sc: Preflight, and netem when
// the scenario shapes its links. A missing kernel feature is the
// kernel's refusal: said before anything changes.
func checkHost(sc *scenarios.Scenario, opt Options) error {
	var w io.Writer = io.Discard
	if opt.Progress != nil {
		w = opt.Progress
	}
	if err := Preflight(opt.Clean, w); err != nil {
		return err
	}
	if sc.Topology.Shaped() {
		if err := topology.CheckNetem(); err != nil {
			return fmt.Errorf("%w: the scenario shapes its links ([topology] link-*): %w", ErrRefused, err)
		}
	}
	if opt.InPlace == nil {
		return checkCgroups(sc)
	}
	return nil
}

// findPrograms finds the external programs the scenario names and checks
// execve's limits on their command lines (validate checks the same).
func (r *runner) findPrograms() error {
	bin := r.binDir()
	for role, argv := range map[string][]string{roleServer: r.sc.Server.Command, roleClient: r.sc.Client.Command} {
		if len(argv) > 0 {
			if _, err := resolveProgram(role, argv[0], bin); err != nil {
				return err
			}
		}
	}
	return CheckPrograms(r.sc, bin)
}

// inPlace reports whether the run builds nothing: clients in place.
func (r *runner) inPlace() bool { return r.opt.InPlace != nil }

// openResults creates the results directory (--out, or one named by
// resultsDirName) and returns a function that removes it again when the
// run is refused before it starts and the directory is the run's own
// (os.Remove removes only an empty one).
func (r *runner) openResults() (refused func(), err error) {
	dir := r.opt.OutDir
	if dir == "" {
		suffix := ""
		if r.inPlace() && !r.opt.InPlace.Shard.Whole() {
			suffix = fmt.Sprintf("-shard-%d-of-%d", r.opt.InPlace.Shard.Index, r.opt.InPlace.Shard.Count)
		}
		dir, _ = resultsDirName(r.sc.Name, "", suffix, r.start, false) // a run's own name: no note
	}
	_, statErr := os.Lstat(dir)
	out, err := results.CreateDir(dir)
	if err != nil {
		return nil, fmt.Errorf("results directory (--out): %w", err)
	}
	r.dir, r.out = dir, out
	return func() {
		if errors.Is(statErr, os.ErrNotExist) {
			_ = os.Remove(dir)
		}
	}, nil
}

// intro prints what the run is about to do and the notes made so far.
func (r *runner) intro() {
	sc := r.sc
	if ip := r.opt.InPlace; ip != nil {
		r.progress.printf("c1m-testbed clients: %s (%s) shard %s, %d connections from %d client workers in this network namespace; results in %s",
			printable.String(sc.Name), printable.String(sc.Source), ip.Shard, sc.Client.Connections, r.plan.ClientWorkers, printable.String(r.dir))
		r.progress.printf("target: %s", ip.Target)
		if out := ip.Target.Outside(layout.DefaultSubnet); len(out) > 0 {
			r.progress.printf("target: %s outside the benchmarking range %s, as named on the command line: this loads a real server", addrList(out), layout.DefaultSubnet)
		}
		r.progress.printf("sources: %s, ports %d-%d", strings.Join(addrStrings(r.sources), ","), r.plan.PortLow, r.plan.PortHigh)
	} else {
		r.progress.printf("c1m-testbed: %s (%s), %d connections, %s; results in %s",
			printable.String(sc.Name), printable.String(sc.Source), sc.Client.Connections, r.describeRoles(), printable.String(r.dir))
		if d := strings.TrimSpace(sc.Description); d != "" {
			// Line by line: the description's own line breaks are kept.
			for _, line := range strings.Split(d, "\n") {
				r.progress.printf("%s", printable.String(line))
			}
		}
	}
	r.mu.Lock()
	notes := append([]string(nil), r.notes...)
	r.mu.Unlock()
	for _, n := range notes {
		r.progress.printf("note: %s", n)
	}
}

// describeRoles says who runs each role: "3 server + 4 client workers",
// "server program /x/goserver ×1 + 4 client workers".
func (r *runner) describeRoles() string {
	role := func(name string, builtin int) string {
		if r.external(name) {
			argv := r.sc.Server.Command
			if name == roleClient {
				argv = r.sc.Client.Command
			}
			return fmt.Sprintf("%s program %s ×%d", name, argv[0], externalWorkers(r.sc, name))
		}
		return fmt.Sprintf("%d %s workers", builtin, name)
	}
	return role(roleServer, r.plan.ServerWorkers) + " + " + role(roleClient, r.plan.ClientWorkers)
}
