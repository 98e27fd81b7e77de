package results

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// sweepOf is a valid sweep of one parameter's values, repeated twice,
// every run pending.
func sweepOf(values ...string) *Sweep {
	s := &Sweep{Version: SweepVersion, Kind: KindSweep, Scenario: "smoke", Source: "smoke", Scale: 1, Repeat: 2,
		Parameters: []Parameter{{Key: "client.connections", Values: values}}, Created: time.Unix(0, 0).UTC()}
	for _, v := range values {
		s.Points = append(s.Points, Point{Values: []string{v}})
	}
	for r := 1; r <= 2; r++ {
		for p := range values {
			s.Runs = append(s.Runs, SweepRun{Point: p, Repeat: r, Dir: RunDirName(p, r), Status: StatusPending})
		}
	}
	return s
}

func TestParseSweepRoundTrip(t *testing.T) {
	s := sweepOf("10k", "20k")
	s.Runs[0].Status, s.Runs[0].Metrics = StatusPassed, map[string]float64{"ramp_seconds": 1.5}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSweep(data)
	if err != nil {
		t.Fatalf("ParseSweep of what we wrote: %v", err)
	}
	if got.Runs[0].Metrics["ramp_seconds"] != 1.5 || got.Runs[3].Dir != "p2-r2" || !got.Runs[0].Done() || got.Runs[1].Done() {
		t.Fatalf("read back %+v", got.Runs)
	}
}

// TestParseSweepRefuses checks that sweep.json, read back by --resume,
// report and compare, is refused when it is not what sweep writes:
// above all a run directory that would lead outside the sweep directory.
func TestParseSweepRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Sweep)
		want   string
	}{
		{"version", func(s *Sweep) { s.Version = 9 }, "version 9"},
		{"kind", func(s *Sweep) { s.Kind = "grid" }, `kind "grid"`},
		{"escaping directory", func(s *Sweep) { s.Runs[0].Dir = "../../etc" }, `directory "../../etc"`},
		{"absolute directory", func(s *Sweep) { s.Runs[0].Dir = "/tmp/p1-r1" }, "is not p1-r1"},
		{"another run's directory", func(s *Sweep) { s.Runs[0].Dir = "p2-r1" }, "is not p1-r1"},
		{"point out of range", func(s *Sweep) { s.Runs[0].Point = 7 }, "out of range"},
		{"repeat out of range", func(s *Sweep) { s.Runs[0].Repeat = 3 }, "out of range"},
		{"a run twice", func(s *Sweep) { s.Runs[1] = s.Runs[0] }, "repeats point 1"},
		{"runs missing", func(s *Sweep) { s.Runs = s.Runs[:3] }, "3 runs for 2 points"},
		{"status", func(s *Sweep) { s.Runs[0].Status = "exploded" }, `unknown status "exploded"`},
		{"values per point", func(s *Sweep) { s.Points[0].Values = nil }, "0 values for 1 parameters"},
		{"a value no parameter has", func(s *Sweep) { s.Points[0].Values = []string{"7M"} }, `"7M" is not a value of client.connections`},
		{"points beyond the grid", func(s *Sweep) {
			s.Points = append(s.Points, Point{Values: []string{"10k"}})
			s.Runs = append(s.Runs, SweepRun{Point: 2, Repeat: 1, Dir: "p3-r1", Status: StatusPending}, SweepRun{Point: 2, Repeat: 2, Dir: "p3-r2", Status: StatusPending})
		}, "3 points, but the parameters' values make 2"},
		{"repeat", func(s *Sweep) { s.Repeat = 1000 }, "repeat 1000"},
		{"scale", func(s *Sweep) { s.Scale = 0 }, "scale"},
		{"too many metrics", func(s *Sweep) {
			s.Runs[0].Metrics = map[string]float64{}
			for i := range len(SweepMetrics) + 1 {
				s.Runs[0].Metrics[strings.Repeat("m", i+1)] = 1
			}
		}, "metrics"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sweepOf("10k", "20k")
			tc.change(s)
			data, _ := json.Marshal(s)
			_, err := ParseSweep(data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseSweep = %v, want an error with %q", err, tc.want)
			}
			if !errors.Is(err, ErrOutOfBounds) {
				t.Fatalf("%v does not wrap ErrOutOfBounds: report, compare and --resume would not exit 2", err)
			}
		})
	}
	if _, err := ParseSweep([]byte(strings.Repeat(" ", MaxSweepSize+1))); !errors.Is(err, ErrOutOfBounds) {
		t.Errorf("an oversized sweep.json: %v, want ErrOutOfBounds", err)
	}
	if _, err := ParseSweep([]byte("{")); err == nil {
		t.Error("a truncated sweep.json was accepted")
	}
}

func TestSweepCSV(t *testing.T) {
	s := sweepOf("10k", "4096 87380,6291456")
	s.Runs[0].Status, s.Runs[0].Started, s.Runs[0].Ended = StatusPassed, time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC), time.Date(2026, 12, 7, 12, 0, 9, 500e6, time.UTC)
	s.Runs[0].Metrics = map[string]float64{"ramp_seconds": 1.25, "peak_established": 10000}
	lines := strings.Split(strings.TrimSpace(string(s.CSV())), "\n")
	if len(lines) != 1+len(s.Runs) {
		t.Fatalf("%d lines, want a header and %d runs:\n%s", len(lines), len(s.Runs), s.CSV())
	}
	head := strings.Split(lines[0], ",")
	if strings.Join(head[:7], ",") != "run,point,repeat,status,started,seconds,client.connections" || len(head) != 7+len(SweepMetrics) {
		t.Fatalf("header %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "p1-r1,1,1,passed,2026-12-07T12:00:00Z,9.5,10k,10000,1.25,") {
		t.Errorf("first run %q", lines[1])
	}
	if !strings.HasPrefix(lines[2], `p2-r1,2,1,pending,,,"4096 87380,6291456",,`) {
		t.Errorf("a value with a comma is quoted, a pending run empty: %q", lines[2])
	}
}

// TestSweepMetricsOf checks that each metric reads its summary field and
// that missing figures are left out rather than written as 0.
func TestSweepMetricsOf(t *testing.T) {
	rec := &Record{Summary: Summary{PeakEstablished: 40000, RampSeconds: 1.5, KernelBytesPerConn: 10208,
		Errors: map[string]int64{"EADDRNOTAVAIL": 3, "ETIMEDOUT": 2}, Connect: &Latency{Count: 5, P50: 0.001, P99: 0.02}}}
	got := MetricsOf(rec)
	want := map[string]float64{"peak_established": 40000, "ramp_seconds": 1.5, "kernel_bytes_per_conn": 10208, "errors": 5,
		"connect_p50_seconds": 0.001, "connect_p99_seconds": 0.02, "peak_tcp_mem_pages": 0, "peak_orphans": 0, "peak_time_wait": 0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"close_seconds", "rtt_p99_seconds", "messages", "reconnected", "user_bytes_per_conn"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s is present for a run without it", k)
		}
	}
}

// FuzzParseSweep feeds sweep.json, which --resume, report and compare
// read back, with hostile content: it must never panic, and what it
// accepts must name only run directories inside the sweep directory.
func FuzzParseSweep(f *testing.F) {
	s := sweepOf("10k", "20k")
	good, _ := json.Marshal(s)
	f.Add(good)
	s.Runs[0].Dir = "../x"
	bad, _ := json.Marshal(s)
	f.Add(bad)
	f.Add([]byte(`{"version":1,"kind":"repeat","repeat":1,"scale":1,"points":[{}],"runs":[{"point":0,"repeat":1,"dir":"p1-r1","status":"passed"}]}`))
	f.Add([]byte(`{"version":1,"points":[` + strings.Repeat(`{},`, 100) + `{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSweep(data)
		if err != nil {
			return
		}
		for _, r := range s.Runs {
			if !runDirName.MatchString(r.Dir) || r.Point < 0 || r.Point >= len(s.Points) {
				t.Fatalf("accepted run %+v", r)
			}
			_ = s.Label(r.Point)
		}
		_ = s.CSV()
	})
}
