package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/c1m-testbed/c1m-testbed/merge"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// clients is a subcommand of its own, not 'run --target': run builds a
// laboratory as root (host lock, journal, namespaces) and clients builds
// nothing, needs no root and takes other flags (a target, a shard, a start
// time, JSON results); keeping them apart keeps run's guarantees free of
// a flag that switches them off.
func init() {
	register(&command{name: "clients", summary: "run a scenario's clients here (a pod, a lab node) against a target server, one shard of a fleet", run: clientsCmd})
}

func clientsCmd(args []string) int {
	fs := newFlags("clients", "SCENARIO --target ADDR:PORTS [--shard I/N] [--start-at TIME] [--json]",
		`Runs SCENARIO's built-in client workers in this network namespace (a
Kubernetes pod's, a lab node's under 'c1m-testbed exec') against the server
--target names, with the scenario's phases, live progress, samples,
expectations and report. Nothing is built and no setting changes: no
namespace, no sysctl, no host lock; root is not needed. The scenario's
[host], [sysctl] and link shaping are left out (and said so); phases that
need the server side (a server close or send) are refused.

The target comes from the command line only; one outside 198.18.0.0/15 is
printed before the first connect. IPv6 addresses go in brackets and must
be in 2001:2::/48 (RFC 5180): --target [2001:2::1],198.18.0.1:8000-8003.
--shard I/N runs shard I (from 0) of N:
its part of the connections and rates, connection indexes of its own and,
unless --whole-port-range, its own slice of the port range, so N shards add
up to the scenario and never collide; in a Kubernetes Indexed Job I comes
from JOB_COMPLETION_INDEX and N from --shards. --start-at holds the first
phase until that time, so shards start together. 'c1m-testbed merge'
combines the shards' results; --json prints them as one JSON line on
stdout (progress goes to stderr) for 'kubectl logs'.

Exit status: 0 every expectation of the shard held, 1 one failed, 2 the
scenario, shard or target is wrong, 3 the environment refused.`,
		"  c1m-testbed clients smoke --target 198.18.0.1:8000 --shard 0/2 --start-at 2026-12-02T01:00:00Z\n"+
			"  sudo c1m-testbed exec c1 -- c1m-testbed clients smoke --scale 0.05 --target 198.18.0.1:8000")
	target := fs.String("target", "", "the server: `ADDR[,ADDR...]:PORT[,PORT|LOW-HIGH...]`, IPv6 as [2001:2::1] (required)")
	shardFlag := fs.String("shard", "", "run shard `I/N` (default: JOB_COMPLETION_INDEX of --shards, else the whole scenario)")
	shards := fs.Int("shards", 0, "the shard count `N` when the index comes from JOB_COMPLETION_INDEX")
	startAt := fs.String("start-at", "", "hold the first phase until this `TIME` (RFC 3339, e.g. 2026-12-02T01:00:00Z)")
	source := fs.String("source", "", "local `ADDRS` to connect from, comma-separated (default: every global address here of a family the target has)")
	wholePorts := fs.Bool("whole-port-range", false, "use the whole ip_local_port_range, not the shard's slice (each shard has addresses of its own: a pod each)")
	jsonOut := fs.Bool("json", false, "print the results as one JSON line on stdout, progress on stderr (for kubectl logs and merge)")
	out := fs.String("out", "", "results directory (default results/<scenario>-<UTC time>[-shard-I-of-N])")
	scale := fs.Float64("scale", 1, "multiply connection counts by `F` before sharding")
	noReport := fs.Bool("no-report", false, "skip rendering report.html and report.md")
	nodeExe := fs.String("node-exe", "", "run the workers from this `binary` instead of re-executing c1m-testbed")
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "c1m-testbed clients: name exactly one scenario and a --target, e.g. 'c1m-testbed clients smoke --target 198.18.0.1:8000'")
		return exitUsage
	}
	here, err := clientOptions(*target, *shardFlag, *shards, *startAt, *source, os.Getenv("JOB_COMPLETION_INDEX"))
	if err != nil {
		return exitFor("clients", err)
	}
	exe := ""
	if *nodeExe != "" {
		abs, err := exec.LookPath(*nodeExe)
		if err == nil {
			abs, err = filepath.Abs(abs)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "c1m-testbed clients: --node-exe %s cannot be run: %v\n", *nodeExe, err)
			return exitUsage
		}
		exe = abs
	}
	sc, err := scenarios.Load(fs.Arg(0))
	if err != nil {
		return exitFor("clients", err)
	}
	var progress io.Writer = os.Stdout
	if *jsonOut {
		progress = os.Stderr
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	force := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "\nc1m-testbed clients: stopping the workers (Ctrl-C again to kill them at once)")
		cancel()
		<-sigs
		close(force)
	}()
	here.WholePortRange = *wholePorts
	res, err := testbed.RunClients(ctx, testbed.Options{Scenario: sc, Scale: *scale, OutDir: *out, NoReport: *noReport,
		Progress: progress, Force: force, Terminal: !*jsonOut && term.IsTerminal(int(os.Stdout.Fd())), Exe: exe, InPlace: &here})
	if err != nil {
		return exitFor("clients", err)
	}
	if *jsonOut {
		if err := merge.WriteResultLine(os.Stdout, res.Dir); err != nil {
			fmt.Fprintf(os.Stderr, "c1m-testbed clients: %v\n", err)
			return exitFailed
		}
	}
	return verdict("clients", res)
}

// clientOptions reads the target, shard, start time and sources of the
// command line (jobIndex is JOB_COMPLETION_INDEX, "" outside a Job).
func clientOptions(target, shard string, shards int, startAt, source, jobIndex string) (testbed.InPlace, error) {
	var opt testbed.InPlace
	if target == "" {
		return opt, fmt.Errorf("%w: name the server with --target ADDR:PORTS (it is never taken from the scenario file)", scenarios.ErrInvalid)
	}
	t, err := scenarios.ParseTarget(target)
	if err != nil {
		return opt, err
	}
	opt.Target = t
	switch {
	case shard != "":
		if opt.Shard, err = scenarios.ParseShard(shard); err != nil {
			return opt, err
		}
		if shards != 0 && shards != opt.Shard.Count {
			return opt, fmt.Errorf("%w: --shard %s and --shards %d disagree: give one", scenarios.ErrInvalid, shard, shards)
		}
	case jobIndex != "" && shards > 0:
		i, err := strconv.Atoi(jobIndex)
		if err != nil {
			return opt, fmt.Errorf("%w: JOB_COMPLETION_INDEX %q is not a number", scenarios.ErrInvalid, jobIndex)
		}
		opt.Shard = scenarios.Shard{Index: i, Count: shards}
		if err := opt.Shard.Check(); err != nil {
			return opt, err
		}
	case shards > 1:
		return opt, fmt.Errorf("%w: --shards %d without an index: give --shard I/%d, or run in an Indexed Job (JOB_COMPLETION_INDEX)", scenarios.ErrInvalid, shards, shards)
	default:
		opt.Shard = scenarios.Shard{Count: 1}
	}
	if startAt != "" {
		if opt.StartAt, err = time.Parse(time.RFC3339Nano, startAt); err != nil {
			return opt, fmt.Errorf("%w: --start-at %q: write an RFC 3339 time such as 2026-12-02T01:00:00Z: %w", scenarios.ErrInvalid, startAt, err)
		}
	}
	for _, s := range strings.Split(source, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
		if err != nil || a.Zone() != "" || a.Is4In6() {
			return opt, fmt.Errorf("%w: --source %q is not an IPv4 or IPv6 address (write 198.18.0.2 or 2001:2:0:1::2)", scenarios.ErrInvalid, s)
		}
		opt.Sources = append(opt.Sources, a)
	}
	return opt, nil
}
