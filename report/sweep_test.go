package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// twoParameterSweep is a finished 2 × 2 sweep, repeated twice, of which
// one run failed and one was interrupted; the ramp grows with
// connections and falls with addresses.
func twoParameterSweep() *results.Sweep {
	s := &results.Sweep{Version: results.SweepVersion, Kind: results.KindSweep, Scenario: "smoke", Source: "smoke", Scale: 0.1, Repeat: 2,
		Set:        []string{"phase.2.duration=1s"},
		Parameters: []results.Parameter{{Key: "client.connections", Values: []string{"10k", "20k"}}, {Key: "topology.client-addresses", Values: []string{"2", "4"}}},
		Points:     []results.Point{{Values: []string{"10k", "2"}}, {Values: []string{"10k", "4"}}, {Values: []string{"20k", "2"}}, {Values: []string{"20k", "4"}}}}
	start := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for r := 1; r <= 2; r++ {
		for p := range 4 {
			run := results.SweepRun{Point: p, Repeat: r, Dir: results.RunDirName(p, r), Status: results.StatusPassed,
				Started: start, Ended: start.Add(9 * time.Second)}
			conns := 10000.0 * float64(1+p/2)
			run.Metrics = map[string]float64{"peak_established": conns, "ramp_seconds": conns / 10000 / float64(1+p%2) * (1 + 0.1*float64(r)),
				"kernel_bytes_per_conn": 10000 + float64(r*100), "connect_p99_seconds": 0.002 * float64(r)}
			s.Runs = append(s.Runs, run)
			start = start.Add(10 * time.Second)
		}
	}
	s.Runs[5].Status = results.StatusFailed
	s.Runs[6].Status, s.Runs[6].Metrics, s.Runs[6].Started, s.Runs[6].Ended = results.StatusPending, nil, time.Time{}, time.Time{}
	s.Runs[7].Status, s.Runs[7].Metrics, s.Runs[7].Error = results.StatusInterrupted, nil, "interrupted"
	return s
}

func newSweepDir(t *testing.T) *results.Dir {
	t.Helper()
	d, err := results.CreateDirFor(filepath.Join(t.TempDir(), "sweep"), func(*results.Dir) bool { return false }, "a sweep")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestSweepFiles(t *testing.T) {
	d := newSweepDir(t)
	s := twoParameterSweep()
	for _, r := range s.Runs {
		if r.Dir != "p2-r2" { // as if run with --no-report: no report to link
			d.WriteFile(r.Dir+"/report.html", []byte("<html>"))
		}
	}
	paths, err := SweepFiles(d, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("wrote %v, want sweep.html and sweep.md", paths)
	}
	md := resultstest.ReadFile(t, d.Join("sweep.md"))
	for _, want := range []string{
		"# c1m-testbed sweep: smoke over client.connections × topology.client-addresses",
		"4 points × 2 repeats = 8 runs, interleaved",
		"--set phase.2.duration=1s",
		"**FAILED**",
		"1 run interrupted",
		// point 1: ramp 1.1 and 1.2 s: median 1.15 s, range, cv
		"| metric | 10k / 2 | 10k / 4 | 20k / 2 | 20k / 4 |",
		"A column per point: client.connections / topology.client-addresses.",
		`| ramp | 1.15 s \[1.10 s–1.20 s\] cv 6% |`,
		// the failed run counts; the interrupted one does not
		"[p4-r1](p4-r1/report.md)",
		"| client.connections=20k, topology.client-addresses=4 | 2 | interrupted: interrupted |",
		"![ramp against client.connections](charts/sweep-ramp_seconds.png)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("sweep.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "[p2-r2](") || !strings.Contains(md, "| p2-r2 |") {
		t.Error("a run without a report is linked")
	}
	if strings.Contains(md, "[p3-r2](") || !strings.Contains(md, "| p3-r2 | client.connections=20k, topology.client-addresses=2 | 2 | pending |") {
		t.Error("a pending run has no report, yet it is linked")
	}
	html := resultstest.ReadFile(t, d.Join("sweep.html"))
	assertSelfContained(t, html)
	if !strings.Contains(html, `<a href="p1-r1/report.html">p1-r1</a>`) {
		t.Error("sweep.html does not link p1-r1's report")
	}
	ramp := svgWith(t, svgs(t, html), "ramp against client.connections")
	for _, want := range []string{"topology.client-addresses=2", "topology.client-addresses=4"} {
		if !strings.Contains(ramp, want) {
			t.Errorf("the ramp chart lacks the line %q", want)
		}
	}
	for _, name := range []string{"ramp_seconds", "peak_established", "kernel_bytes_per_conn", "connect_p99_seconds"} {
		if fi, err := os.Stat(d.Join("charts/sweep-" + name + ".png")); err != nil || fi.Size() == 0 {
			t.Errorf("chart %s: %v", name, err)
		}
	}
	if _, err := os.Stat(d.Join("charts/sweep-rtt_p99_seconds.png")); err == nil {
		t.Error("a chart was drawn for a metric no run has")
	}
}

// TestSweepNominalAxis checks that values that are not numbers (a
// sysctl's triple) are placed along the axis by name.
func TestSweepNominalAxis(t *testing.T) {
	xs, names := axisValues([]string{"4096 4096 4096", "4096 87380 6291456"})
	if names == nil || xs[0] != 0 || xs[1] != 1 {
		t.Fatalf("axisValues = %v, %v; want positions 0, 1 named by the values", xs, names)
	}
	xs, names = axisValues([]string{"10k", "64KiB", "1.5", "2s"})
	if names != nil || xs[0] != 10000 || xs[1] != 65536 || xs[2] != 1.5 || xs[3] != 2 {
		t.Fatalf("axisValues = %v, %v; want the numbers", xs, names)
	}
	d := newSweepDir(t)
	s := twoParameterSweep()
	s.Parameters = s.Parameters[:1]
	s.Parameters[0] = results.Parameter{Key: `sysctl.server."net.ipv4.tcp_rmem"`, Values: []string{"4096 4096 4096", "4096 87380 6291456"}}
	s.Points = s.Points[:2]
	s.Points[0].Values, s.Points[1].Values = []string{"4096 4096 4096"}, []string{"4096 87380 6291456"}
	var runs []results.SweepRun
	for _, r := range s.Runs {
		if r.Point < 2 {
			runs = append(runs, r)
		}
	}
	s.Runs = runs
	if _, err := SweepFiles(d, s); err != nil {
		t.Fatal(err)
	}
	html := resultstest.ReadFile(t, d.Join("sweep.html"))
	if !strings.Contains(svgWith(t, svgs(t, html), "ramp against"), "4096 87380 6291456") {
		t.Error("the nominal axis does not name its values")
	}
}

func TestSweepText(t *testing.T) {
	s := twoParameterSweep()
	s.Kind, s.Parameters, s.Points = results.KindRepeat, nil, []results.Point{{}}
	for i := range s.Runs {
		s.Runs[i].Point = 0
	}
	s.Runs, s.Repeat = s.Runs[:3], 3
	txt := SweepText(s)
	for _, want := range []string{"Summary: median [min–max]", "3 runs", "ramp", "cv"} {
		if !strings.Contains(txt, want) {
			t.Errorf("SweepText lacks %q:\n%s", want, txt)
		}
	}
}

// TestCompareRepeatsNoise compares two repeats whose ramps overlap and
// whose kernel memory does not: only the ramp is within noise.
func TestCompareRepeatsNoise(t *testing.T) {
	mk := func(name string, ramps, kernel []float64) string {
		dir := filepath.Join(t.TempDir(), name)
		s := &results.Sweep{Version: results.SweepVersion, Kind: results.KindRepeat, Scenario: "smoke", Source: "smoke", Scale: 1,
			Repeat: len(ramps), Points: []results.Point{{}}}
		for i := range ramps {
			rd := results.RunDirName(0, i+1)
			src := resultstest.Copy(t, "smoke-v2")
			rec, err := results.ReadRecord(src)
			if err != nil {
				t.Fatal(err)
			}
			rec.Summary.RampSeconds, rec.Summary.KernelBytesPerConn = ramps[i], kernel[i]
			data, _ := json.Marshal(rec)
			os.MkdirAll(filepath.Join(dir, rd), 0o755)
			os.WriteFile(filepath.Join(dir, rd, "run.json"), data, 0o644)
			samples, _ := os.ReadFile(filepath.Join(src, "samples.csv"))
			os.WriteFile(filepath.Join(dir, rd, "samples.csv"), samples, 0o644)
			s.Runs = append(s.Runs, results.SweepRun{Point: 0, Repeat: i + 1, Dir: rd, Status: results.StatusPassed, Metrics: results.MetricsOf(rec)})
		}
		data, _ := json.Marshal(s)
		os.WriteFile(filepath.Join(dir, "sweep.json"), data, 0o644)
		return dir
	}
	a := mk("before", []float64{20, 24, 22}, []float64{10000, 10100, 10050})
	b := mk("after", []float64{21, 25, 23}, []float64{9000, 9100, 9050})
	out := filepath.Join(t.TempDir(), "cmp")
	if _, err := CompareFiles(out, a, b); err != nil {
		t.Fatal(err)
	}
	md := resultstest.ReadFile(t, filepath.Join(out, "compare.md"))
	for _, want := range []string{"## Metrics over the repeats", `| ramp | 22.0 s \[20.0 s–24.0 s\] cv 9% | 23.0 s \[21.0 s–25.0 s\] cv 9% (×1.05, within noise) |`,
		`| kernel B/conn | 10,050 B \[10,000 B–10,100 B\] cv 0% | 9,050 B \[9,000 B–9,100 B\] cv 1% (×0.90) |`} {
		if !strings.Contains(md, want) {
			t.Errorf("compare.md lacks %q:\n%s", want, md)
		}
	}
	// A sweep of several points is refused, pointing at its own report.
	s := twoParameterSweep()
	dir := filepath.Join(t.TempDir(), "grid")
	os.MkdirAll(dir, 0o755)
	data, _ := json.Marshal(s)
	os.WriteFile(filepath.Join(dir, "sweep.json"), data, 0o644)
	if _, err := CompareFiles(filepath.Join(t.TempDir(), "cmp2"), a, dir); err == nil || !strings.Contains(err.Error(), "sweep.html") {
		t.Errorf("compare of a 4-point sweep: %v, want a refusal naming sweep.html", err)
	}
}

func TestSortedByX(t *testing.T) {
	s := sortedByX(series{xs: []float64{40, 10, 20}, ys: []float64{4, 1, 2}, lo: []float64{3, 0, 1}, hi: []float64{5, 2, 3}})
	if fmt.Sprint(s.xs, s.ys, s.lo, s.hi) != "[10 20 40] [1 2 4] [0 1 3] [2 3 5]" {
		t.Fatalf("sorted %v %v %v %v", s.xs, s.ys, s.lo, s.hi)
	}
}
