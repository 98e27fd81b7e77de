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
// It needs root (it runs c1m-testbed) and the source tree (it builds
// c1m-testbed and the two example programs).
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

	"github.com/c1m-testbed/c1m-testbed/report"
)

func main() {
	conns := flag.Int("connections", 200_000, "connections in each run")
	out := flag.String("out", "", "directory for both runs' results and the comparison (default results/bench-<UTC time>)")
	hold := flag.Duration("hold", 5*time.Second, "how long each run holds its connections")
	latency := flag.Bool("latency", false, "compare round trips instead: both servers echo a heartbeat from the built-in clients (default 20,000 connections)")
	interval := flag.Duration("interval", time.Second, "with --latency: how often each connection sends its 64-byte message")
	duration := flag.Duration("duration", 20*time.Second, "with --latency: how long the heartbeat lasts")
	flag.Usage = func() {
		fmt.Fprint(os.Stderr, `Usage: go run ./bench [--connections N] [--out DIR] [--hold D]
       go run ./bench --latency [--connections N] [--interval D] [--duration D] [--out DIR]

Runs the same scenario twice on the same topology (4 client namespaces x 8
addresses, 1 server address, 4 ports): once with the testbed's epoll server
and clients, once with a goroutine-per-connection server and net.Dial
clients (examples/goserver, examples/goclient), each sharded over as many
processes as the per-process fd limit needs. Prints both and their ratios.
With --latency, both runs use the built-in clients, which send 64 bytes from
every connection every --interval for --duration; one server is the
testbed's epoll server echoing, the other examples/goserver --echo. Prints
connect and round-trip percentiles and their ratios. Needs root.

Examples:
  go run ./bench --connections 200000
  go run ./bench --latency --connections 20000

Flags:
`)
		flag.PrintDefaults()
	}
	flag.Parse()
	vs, rows := variants(*conns, *hold), capacityRows
	if *latency {
		n := 20_000
		flag.Visit(func(f *flag.Flag) {
			if f.Name == "connections" {
				n = *conns
			}
		})
		vs, rows = latencyVariants(n, *interval, *duration), latencyRows
	}
	if err := run(vs, rows, *out); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func run(vs []variant, rows []row, out string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("bench runs c1m-testbed, which builds network namespaces: run it as root")
	}
	if out == "" {
		out = filepath.Join("results", "bench-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", out, err)
	}
	bin, err := os.MkdirTemp("", "c1m-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	os.Chmod(bin, 0o755)
	fmt.Printf("building c1m-testbed and the goroutine-per-connection programs into %s\n", bin)
	build := exec.Command("go", "build", "-o", bin+"/", "./cmd/c1m-testbed", "./examples/goserver", "./examples/goclient")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("failed to build (run bench from the repository root): %w", err)
	}
	var dirs []string
	for _, v := range vs {
		file := filepath.Join(bin, v.name+".toml")
		if err := os.WriteFile(file, []byte(v.toml), 0o644); err != nil {
			return err
		}
		dir := filepath.Join(out, v.name)
		fmt.Printf("\n== %s: %s\n", v.name, v.what)
		cmd := exec.Command(filepath.Join(bin, "c1m-testbed"), "run", file, "--out", dir)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Printf("(%s: %v — its results are still compared)\n", v.name, err)
		}
		dirs = append(dirs, dir)
	}
	recs := make([]*report.Record, len(dirs))
	for i, d := range dirs {
		if recs[i], err = report.ReadRecord(d); err != nil {
			return err
		}
	}
	printTable(os.Stdout, recs, rows)
	cmp := exec.Command(filepath.Join(bin, "c1m-testbed"), append([]string{"compare", "--out", filepath.Join(out, "compare")}, dirs...)...)
	cmp.Stdout, cmp.Stderr = os.Stdout, os.Stderr
	if err := cmp.Run(); err != nil {
		return fmt.Errorf("failed to compare the runs: %w", err)
	}
	return nil
}

// variant is one side of the benchmark.
type variant struct {
	name, what, toml string
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
		{"epoll", "the testbed's epoll server and clients", epoll},
		{"goroutine", fmt.Sprintf("goroutine-per-connection server (%d processes) and net.Dial clients (%d processes)", workers, clientWorkers), gor},
	}
}

// row is one figure of the comparison: get returns false when a run
// does not have it.
type row struct {
	name string
	get  func(s report.Summary) (float64, bool)
	f    string
}

// figure makes a row of a figure every run has.
func figure(name, f string, get func(s report.Summary) float64) row {
	return row{name, func(s report.Summary) (float64, bool) { return get(s), true }, f}
}

// capacityRows are the figures of the capacity comparison.
var capacityRows = []row{
	figure("peak established", "%.0f", func(s report.Summary) float64 { return float64(s.PeakEstablished) }),
	figure("ramp seconds", "%.1f", func(s report.Summary) float64 { return s.RampSeconds }),
	figure("connects per second", "%.0f", func(s report.Summary) float64 { return s.ConnectsPerSecond }),
	figure("user bytes per conn (PSS)", "%.0f", func(s report.Summary) float64 { return s.UserBytesPerConn }),
	figure("user bytes per conn (RSS)", "%.0f", func(s report.Summary) float64 { return s.UserRSSBytesPerConn }),
	figure("kernel bytes per conn", "%.0f", func(s report.Summary) float64 { return s.KernelBytesPerConn }),
	figure("close seconds", "%.1f", func(s report.Summary) float64 { return s.CloseSeconds }),
}

// printTable prints each run's figures and the ratio to the first run.
func printTable(w io.Writer, recs []*report.Record, rows []row) {
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
