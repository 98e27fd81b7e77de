package results

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// synthLatencyRun describes a synthetic heartbeat run: a connect ramp
// whose connects slow down as the SYN queue fills (a few wait for the
// 1 s SYN retransmit), a traffic phase of one 64-byte message per
// connection every interval with a stall in the middle, and a close.
type synthLatencyRun struct {
	dir      string
	runID    string
	conns    int64
	delay    time.Duration // link delay: each connect and round trip gains 2 × delay
	interval time.Duration
}

var synthLatencyRuns = []synthLatencyRun{
	{dir: "heartbeat", runID: "20250102T120000Z", conns: 20000, interval: 2 * time.Second},
	{dir: "heartbeat-wan", runID: "20250102T130000Z", conns: 20000, delay: 20 * time.Millisecond, interval: 2 * time.Second},
}

// build returns the run.json record and samples.csv of s.
func (s synthLatencyRun) build() (*Record, []byte) {
	const (
		dt       = 0.5
		ramp     = 8.0  // connect phase, from 0.5 s
		traffic  = 20.0 // traffic phase, after the ramp
		closeLen = 3.0
		stallAt  = 16.0 // the server stalls for one second here
		msgBytes = 64
	)
	base, _ := synthRun{dir: s.dir, runID: s.runID, target: s.conns, rampSecs: ramp, holdSecs: traffic, rows: 2}.build()
	rec := base
	rec.Scenario, rec.Source = "heartbeat", "scenarios/heartbeat.toml"
	rec.Description = "Synthetic heartbeat: 20,000 connections, 64 B each every 2 s, echoed."
	if s.delay > 0 {
		rec.Scenario = "heartbeat-wan"
		rec.Description += " Over a 20 ms link."
	}
	start := rec.Started
	at := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
	tStart, tEnd := 0.5+ramp, 0.5+ramp+traffic
	end := tEnd + closeLen
	rows := int(end/dt) + 1
	rec.Ended = at(end + dt)

	rng := rand.New(rand.NewPCG(14, uint64(s.delay)))
	var connCum, rttCum, connPrev, rttPrev histogram.Histogram
	var w bytes.Buffer
	cw := csv.NewWriter(&w)
	_ = cw.Write(Header())
	var est, asked, answered, prevAsked, prevAnswered int64
	senders := float64(s.conns)
	perSec := senders / s.interval.Seconds()
	for i := range rows {
		sec := float64(i) * dt
		smp := Sample{Seconds: sec, Errors: map[string]int64{}, Nstat: map[string]int64{}}
		switch {
		case sec < 0.5:
			smp.Phase = "setup"
		case sec < tStart:
			smp.Phase = "connect"
			next := min(s.conns, int64(float64(s.conns)*(sec-0.5+dt)/ramp))
			load := float64(est) / float64(s.conns)
			for range next - est {
				d := 2*s.delay + time.Duration((120+400*load)*float64(time.Microsecond)*(0.6+rng.ExpFloat64()*0.4))
				if load > 0.6 && rng.Float64() < 0.015 {
					d += time.Second // SYN dropped: the 1 s retransmit
				}
				connCum.Record(d)
			}
			smp.ConnectsPerSec = float64(next-est) / dt
			est = next
		case sec < tEnd:
			smp.Phase = "heartbeat"
			due := int64(perSec * dt)
			asked += due
			stall := sec >= stallAt && sec < stallAt+1
			got := due
			if stall {
				got = due / 5
			} else if sec >= stallAt+1 && sec < stallAt+1.5 {
				got = due + 4*(due/5)*2 // the backlog of the stall drains
			}
			for range got {
				d := 2*s.delay + time.Duration((70+rng.ExpFloat64()*50)*float64(time.Microsecond))
				if rng.Float64() < 0.001 {
					d += 4 * time.Millisecond
				}
				if stall || (sec >= stallAt+1 && sec < stallAt+1.5) {
					d += time.Duration(rng.Float64() * float64(800*time.Millisecond)) // late sends count from their intended time
				}
				rttCum.Record(d)
			}
			answered += got
			answered = min(answered, asked)
		default:
			smp.Phase = "close"
			f := (sec - tEnd) / 2
			est = int64(float64(s.conns) * math.Max(0, 1-f))
		}
		smp.CliEstablished, smp.SrvEstablished, smp.CliConnected = est, est, est
		smp.CliInuse, smp.SrvInuse = est, est
		smp.CliRSS, smp.SrvRSS = 12<<20+est*96, 8<<20+est*64
		smp.Slab, smp.TCPMemPages, smp.MemAvailable = 180<<20+est*2300, 40+est/50, 22<<30-est*4600
		var dc, dr histogram.Histogram
		if err := dc.Delta(&connCum, &connPrev); err != nil {
			panic(err)
		}
		if err := dr.Delta(&rttCum, &rttPrev); err != nil {
			panic(err)
		}
		connPrev, rttPrev = connCum, rttCum
		smp.SetIntervalLatency(&dc, &dr)
		if smp.Phase == "heartbeat" {
			smp.SetIntervalTraffic(asked-prevAsked, answered-prevAnswered, dt)
		}
		prevAsked, prevAnswered = asked, answered
		smp.Messages = answered
		_ = cw.Write(smp.Row())
	}
	cw.Flush()
	rec.Phases = []Phase{
		{Name: "connect", Kind: "connect", Started: at(0.5), Ended: at(tStart), Seconds: ramp, Outcome: "done",
			Target: int(s.conns), Reached: s.conns, Connect: NewLatency(&connCum)},
		{Name: "heartbeat", Kind: "traffic", Started: at(tStart), Ended: at(tEnd), Seconds: traffic, Outcome: "done",
			Detail: "64 B every 2 s on 100% of the connections", RTT: NewLatency(&rttCum),
			Traffic: &Traffic{MessagesAsked: asked, MessagesSent: asked, MessagesAnswered: answered,
				MessagesPerSecond: float64(answered) / traffic, BytesSent: asked * msgBytes, BytesReceived: answered * msgBytes}},
		{Name: "close", Kind: "close", Started: at(tEnd), Ended: at(end + dt), Seconds: end + dt - tEnd, Outcome: "done"},
	}
	rec.Summary.Connect, rec.Summary.RTT = NewLatency(&connCum), NewLatency(&rttCum)
	rec.Summary.Messages = answered
	rec.Summary.CloseSeconds = 2
	rtt := rec.Summary.RTT
	mps := rec.Phases[1].Traffic.MessagesPerSecond
	rec.Expectations = []Expectation{
		{Name: "min-established", Want: ">= 20000", Got: "20000", Held: true},
		{Name: "rtt-p99-max", Want: "<= 1s", Got: units.Seconds(rtt.P99), Held: rtt.P99 <= 1},
		{Name: "messages-per-second-min", Want: ">= 9000", Got: units.Count(math.Round(mps)), Held: mps >= 9000},
	}
	rec.Passed = true
	for _, e := range rec.Expectations {
		rec.Passed = rec.Passed && e.Held
	}
	return rec, w.Bytes()
}
