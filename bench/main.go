// Command bench measures, in one run, the testbed's epoll server and
// clients against what a Go programmer would otherwise write: a
// goroutine-per-connection server with net.Dial clients (examples/), over
// the same topology at the same scale. It prints ramp time, connects per
// second, user and kernel bytes per connection and close time for each,
// and their ratios, and writes a side-by-side report.
//
//	go run ./bench --connections 200000
//
// With --latency it compares service instead of capacity: the built-in
// clients send a 64-byte heartbeat from every connection every --interval
// for --duration, once against the testbed's epoll server (on-data =
// "echo") and once against the goroutine-per-connection server in echo
// mode (examples/goserver --echo), and it prints connect and round-trip
// percentiles and their ratios.
//
//	go run ./bench --latency --connections 20000
//
// With --anchor it measures the product against the floor instead: a
// minimal C epoll server and client (bench/anchor/, built with the
// machine's cc) run as million's [server] and [client] command, and
// `c1m-testbed run million` as the README builds it, interleaved (C, ours,
// C, ours, ... --pairs times), and it prints each pair's ratios (ramp,
// close, user and kernel bytes per connection, user and system CPU) and
// their medians.
//
//	go run ./bench --anchor                  # 1M, two pairs: ~10 minutes
//	go run ./bench --anchor --connections 20000 --pairs 1
//
// With --uring as well, each round also runs a minimal C io_uring server
// and client (bench/anchor/*_uring.c: raw system calls, multishot accept,
// direct descriptors, one linked chain per client connection from socket
// to close): both io_uring, io_uring server with C epoll clients, and C
// epoll server with io_uring clients, each with its ratios against C/C,
// to measure whether an io_uring engine beats epoll per connection.
//
//	go run ./bench --anchor --uring          # 1M, two rounds of seven runs
//
// With --protocols it runs million's load once per protocol (echo, the
// baseline, then websocket, mqtt, mqtt publish, http, redis, memcached,
// line), the built-in server and clients speaking it: ramp, handshake
// percentiles, user and kernel bytes per connection, close time.
//
//	go run ./bench --protocols               # 1M each: ~15 minutes
//
// It needs root (it runs c1m-testbed) and the source tree (it builds
// c1m-testbed, c1m-node and the example programs).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

func main() {
	conns := flag.Int("connections", 200_000, "connections in each run")
	out := flag.String("out", "", "directory for both runs' results and the comparison (default results/bench-<UTC time>)")
	hold := flag.Duration("hold", 5*time.Second, "how long each run holds its connections")
	latency := flag.Bool("latency", false, "compare round trips instead: both servers echo a heartbeat from the built-in clients (default 20,000 connections)")
	interval := flag.Duration("interval", time.Second, "with --latency: how often each connection sends its 64-byte message")
	duration := flag.Duration("duration", 20*time.Second, "with --latency: how long the heartbeat lasts")
	anchor := flag.Bool("anchor", false, "measure against a minimal C epoll server and client instead, interleaved with 'run million' (default 1,000,000 connections)")
	pairs := flag.Int("pairs", 2, "with --anchor: how many (C, product) pairs to run, interleaved")
	uring := flag.Bool("uring", false, "with --anchor: each round also runs the minimal C io_uring server and client (both, and each against C epoll)")
	protocols := flag.Bool("protocols", false, "run million's load once per protocol (echo, websocket, mqtt, http, redis, memcached, line), built-in server and clients: ramp, handshake, user memory per connection (default 1,000,000 connections)")
	flag.Usage = func() {
		fmt.Fprint(os.Stderr, `Usage: go run ./bench [--connections N] [--out DIR] [--hold D]
       go run ./bench --latency [--connections N] [--interval D] [--duration D] [--out DIR]
       go run ./bench --anchor [--uring] [--connections N] [--pairs N] [--out DIR]
       go run ./bench --protocols [--connections N] [--hold D] [--out DIR]

Runs the same scenario twice on the same topology (4 client namespaces x 8
addresses, 1 server address, 4 ports): once with the testbed's epoll server
and clients, once with a goroutine-per-connection server and net.Dial
clients (examples/goserver, examples/goclient), each sharded over as many
processes as the per-process fd limit needs. Prints both and their ratios.
With --latency, both runs use the built-in clients, which send 64 bytes from
every connection every --interval for --duration; one server is the
testbed's epoll server echoing, the other examples/goserver --echo. Prints
connect and round-trip percentiles and their ratios. With --anchor, a
minimal C epoll server and client (bench/anchor/, compiled with cc) run as
million's commands, interleaved with 'c1m-testbed run million' --pairs
times; prints each pair's ratios and their medians. With --uring too, a
minimal C io_uring server and client (bench/anchor/*_uring.c) join each
round, paired together and each with the C epoll side. Needs root.

Examples:
  go run ./bench --connections 200000
  go run ./bench --latency --connections 20000

Flags:
`)
		flag.PrintDefaults()
	}
	flag.Parse()
	n := *conns
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "connections" })
	if *uring && !*anchor {
		fmt.Fprintln(os.Stderr, "bench: --uring adds the io_uring pair to an anchor sitting: add --anchor")
		os.Exit(2)
	}
	var err error
	switch {
	case *anchor:
		if !given {
			n = 1_000_000
		}
		err = runAnchor(float64(n)/1e6, *pairs, *uring, *out)
	case *protocols:
		if !given {
			n = 1_000_000
		}
		_, err = run(protocolVariants(n, hold.String()), protocolRows, *out)
	case *latency:
		if !given {
			n = 20_000
		}
		_, err = run(latencyVariants(n, *interval, *duration), latencyRows, *out)
	default:
		_, err = run(variants(n, *hold), capacityRows, *out)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// measured is one run of a sitting: its record and the CPU of its
// c1m-testbed process with every process it waited for (its workers and
// external programs).
type measured struct {
	rec       *results.Record
	user, sys float64 // seconds
	// syscalls and switches are perf stat's raw_syscalls:sys_enter and
	// context-switches over the c1m-testbed process and everything it
	// started (inherited counters), -1 when not counted.
	syscalls, switches float64
}

// countSyscalls makes run() count every run's system calls and context
// switches with perf stat, when perf is installed (the anchor sitting).
var countSyscalls bool

// run runs every variant one after the other, prints their figures and
// ratios to the first (rows; none when rows is nil) and compares them.
func run(vs []variant, rows []row, out string) ([]measured, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("bench runs c1m-testbed, which builds network namespaces: run it as root")
	}
	if out == "" {
		out = filepath.Join("results", "bench-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("failed to create %s: %w", out, err)
	}
	bin, err := os.MkdirTemp("", "c1m-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(bin)
	os.Chmod(bin, 0o755)
	fmt.Printf("building c1m-testbed, c1m-node and the comparison programs into %s\n", bin)
	// c1m-node beside c1m-testbed: the workers are the lean ones, as the
	// README's first command builds them.
	build := exec.Command("go", "build", "-o", bin+"/", "./cmd/c1m-testbed", "./cmd/c1m-node", "./examples/goserver", "./examples/goclient")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("failed to build (run bench from the repository root): %w", err)
	}
	if err := buildAnchor(bin); err != nil {
		return nil, err
	}
	var dirs []string
	var ms []measured
	for _, v := range vs {
		target := v.builtin
		if target == "" {
			target = filepath.Join(bin, v.name+".toml")
			if err := os.WriteFile(target, []byte(v.toml), 0o644); err != nil {
				return nil, err
			}
		}
		dir := filepath.Join(out, v.name)
		fmt.Printf("\n== %s: %s\n", v.name, v.what)
		argv := append([]string{filepath.Join(bin, "c1m-testbed"), "run", target, "--out", dir, "--wait", "10m"}, v.args...)
		perfOut := filepath.Join(out, v.name+".perf")
		if countSyscalls {
			argv = append(perfStat(perfOut), argv...)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Printf("(%s: %v — its results are still compared)\n", v.name, err)
		}
		m := measured{syscalls: -1, switches: -1}
		if cmd.ProcessState != nil {
			m.user, m.sys = cmd.ProcessState.UserTime().Seconds(), cmd.ProcessState.SystemTime().Seconds()
		}
		if countSyscalls {
			m.syscalls, m.switches = readPerfStat(perfOut)
		}
		if m.rec, err = results.ReadRecord(dir); err != nil {
			return nil, err
		}
		dirs = append(dirs, dir)
		ms = append(ms, m)
	}
	if rows == nil {
		return ms, nil
	}
	recs := make([]*results.Record, len(ms))
	for i, m := range ms {
		recs[i] = m.rec
	}
	printTable(os.Stdout, recs, rows)
	cmp := exec.Command(filepath.Join(bin, "c1m-testbed"), append([]string{"compare", "--out", filepath.Join(out, "compare")}, dirs...)...)
	cmp.Stdout, cmp.Stderr = os.Stdout, os.Stderr
	if err := cmp.Run(); err != nil {
		return nil, fmt.Errorf("failed to compare the runs: %w", err)
	}
	return ms, nil
}

// variant is one side of the benchmark: a scenario file's text, or a
// built-in scenario run with args.
type variant struct {
	name, what, toml string
	builtin          string
	args             []string
}

// perProcess is how many connections one example program takes: under
// the 20,000 open-files limit with room for its own files.
const perProcess = 18_000

func variants(conns int, hold time.Duration) []variant {
	topo := `[topology]
client-namespaces = 4
client-addresses = 8
server-addresses = 1
server-ports = 4
`
	phases := fmt.Sprintf(`[[phase]]
kind = "connect"
timeout = "5m"

[[phase]]
kind = "hold"
duration = "%s"

[[phase]]
kind = "close"
side = "client"
timeout = "3m"

[expect]
min-established = %d
`, hold, conns)
	workers := (conns + perProcess - 1) / perProcess
	clientWorkers := ((workers + 3) / 4) * 4 // a multiple of the 4 client namespaces
	epoll := fmt.Sprintf("name = \"bench-epoll\"\ndescription = \"the testbed's epoll server and clients\"\n\n%s\n[client]\nconnections = %d\n\n%s", topo, conns, phases)
	gor := fmt.Sprintf(`name = "bench-goroutine"
description = "a goroutine-per-connection server and net.Dial clients"

%s
[server]
command = ["{bin}/goserver", "--listen", "{addrs}", "--ports", "{ports}"]
workers = %d
env = { GOMAXPROCS = "1" }

[client]
connections = %d
command = ["{bin}/goclient", "--sources", "{sources}", "--servers", "{addrs}", "--ports", "{ports}", "--connections", "{connections}"]
workers = %d
env = { GOMAXPROCS = "1" }

%s`, topo, workers, conns, clientWorkers, phases)
	return []variant{
		{name: "epoll", what: "the testbed's epoll server and clients", toml: epoll},
		{name: "goroutine", what: fmt.Sprintf("goroutine-per-connection server (%d processes) and net.Dial clients (%d processes)", workers, clientWorkers), toml: gor},
	}
}

// row is one figure of the comparison: get returns false when a run
// does not have it.
type row struct {
	name string
	get  func(s results.Summary) (float64, bool)
	f    string
}

// figure makes a row of a figure every run has.
func figure(name, f string, get func(s results.Summary) float64) row {
	return row{name, func(s results.Summary) (float64, bool) { return get(s), true }, f}
}

// capacityRows are the figures of the capacity comparison.
var capacityRows = []row{
	figure("peak established", "%.0f", func(s results.Summary) float64 { return float64(s.PeakEstablished) }),
	figure("ramp seconds", "%.1f", func(s results.Summary) float64 { return s.RampSeconds }),
	figure("connects per second", "%.0f", func(s results.Summary) float64 { return s.ConnectsPerSecond }),
	figure("user bytes per conn (PSS)", "%.0f", func(s results.Summary) float64 { return s.UserBytesPerConn }),
	figure("user bytes per conn (RSS)", "%.0f", func(s results.Summary) float64 { return s.UserRSSBytesPerConn }),
	figure("kernel bytes per conn", "%.0f", func(s results.Summary) float64 { return s.KernelBytesPerConn }),
	figure("close seconds", "%.1f", func(s results.Summary) float64 { return s.CloseSeconds }),
}

// printTable prints each run's figures and the ratio to the first run.
func printTable(w io.Writer, recs []*results.Record, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	names := []string{""}
	for _, r := range recs {
		names = append(names, r.Scenario)
	}
	for i := 1; i < len(recs); i++ {
		names = append(names, "ratio")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(tw, strings.Join(names, "\t")+"\t")
	for _, row := range rows {
		cells := []string{row.name}
		base, baseOK := row.get(recs[0].Summary)
		for _, r := range recs {
			if v, ok := row.get(r.Summary); ok {
				cells = append(cells, fmt.Sprintf(row.f, v))
			} else {
				cells = append(cells, "-")
			}
		}
		for _, r := range recs[1:] {
			v, ok := row.get(r.Summary)
			if !ok || !baseOK || base == 0 {
				cells = append(cells, "-")
			} else {
				cells = append(cells, fmt.Sprintf("x%.2f", v/base))
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
}
