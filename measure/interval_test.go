package measure

import (
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// TestIntervalLatency: each sample's p99 columns hold only the interval's
// recordings, merged over the workers; its message rates are written
// while a traffic phase runs (0 included) and left empty otherwise.
func TestIntervalLatency(t *testing.T) {
	f := &fakeWorkers{hists: make([]Hists, 2)}
	a, b := &f.hists[0], &f.hists[1]
	var l intervalLatency
	var smp results.Sample
	l.take(f, &smp, 0, false)
	if smp.ConnectP99 != nil || smp.RTTP99 != nil || smp.MsgsAskedPerSec != nil {
		t.Fatalf("empty fleet: cells %v %v %v, want empty", smp.ConnectP99, smp.RTTP99, smp.MsgsAskedPerSec)
	}
	// Interval 1: slow connects on a, fast on b.
	for range 99 {
		b.Connect.Record(time.Millisecond)
	}
	a.Connect.Record(time.Second)
	a.Connect.Record(time.Second)
	smp = results.Sample{}
	l.take(f, &smp, 0.5, false)
	if smp.ConnectP99 == nil || *smp.ConnectP99 < 990*time.Millisecond {
		t.Errorf("interval 1: connect p99 %v, want about 1s", smp.ConnectP99)
	}
	// Interval 2: only fast connects; the slow ones are history.
	for range 10 {
		a.Connect.Record(2 * time.Millisecond)
	}
	smp = results.Sample{}
	l.take(f, &smp, 0.5, true)
	if smp.ConnectP99 == nil || *smp.ConnectP99 > 3*time.Millisecond {
		t.Errorf("interval 2: connect p99 %v, want about 2ms", smp.ConnectP99)
	}
	if smp.RTTP99 != nil {
		t.Errorf("interval 2: rtt p99 %v, want empty", *smp.RTTP99)
	}
	if smp.MsgsAnsweredPerSec == nil || *smp.MsgsAnsweredPerSec != 0 {
		t.Errorf("interval 2 (traffic running): answered/s %v, want 0", smp.MsgsAnsweredPerSec)
	}
	if l.connectP99 > 3*time.Millisecond || l.rttP99 != 0 {
		t.Errorf("progress figures %v %v", l.connectP99, l.rttP99)
	}
}

// BenchmarkIntervalLatency: one sample's latency work over 100 client
// workers (merge both histograms of each, the interval's Delta, p99s,
// message counters), every 500 ms in a run.
func BenchmarkIntervalLatency(b *testing.B) {
	f := &fakeWorkers{hists: make([]Hists, 100)}
	for i := range f.hists {
		w := &f.hists[i]
		for j := range 1000 {
			w.Connect.Record(time.Duration(i*j) * time.Microsecond)
			w.RTT.Record(time.Duration(j) * time.Microsecond)
		}
	}
	var l intervalLatency
	b.ReportAllocs()
	for b.Loop() {
		var smp results.Sample
		l.take(f, &smp, 0.5, true)
	}
}
