package histogram_test

import (
	"fmt"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
)

// A worker records connect latencies into the current interval, and on
// each sample merges the interval into its run histogram, reports the
// interval's p99 and starts a new interval; nothing allocates.
func Example_interval() {
	var run, interval histogram.Histogram
	for i := range 1000 {
		interval.Record(time.Duration(50+i%50) * time.Microsecond)
	}
	run.Merge(&interval)
	fmt.Println("interval 1 p99:", interval.ValueAt(0.99))
	interval.Reset()

	interval.RecordN(time.Second, 20) // a SYN retransmit
	interval.RecordN(60*time.Microsecond, 980)
	run.Merge(&interval)
	fmt.Println("interval 2 p99:", interval.ValueAt(0.99))
	interval.Reset()

	p := run.Percentiles()
	fmt.Printf("run: count %d p50 %v p99 %v max %v\n", p.Count, p.P50, p.P99, p.Max)
	// Output:
	// interval 1 p99: 98.816µs
	// interval 2 p99: 1s
	// run: count 2000 p50 60.16µs p99 98.816µs max 1s
}

// The orchestrator keeps the last cumulative histogram a worker reported
// and takes the difference to get the interval's.
func ExampleHistogram_Delta() {
	var cur histogram.Histogram
	cur.RecordN(100*time.Microsecond, 500)
	prev := cur // a snapshot: Histogram holds no pointers
	cur.RecordN(2*time.Millisecond, 100)

	var d histogram.Histogram
	if err := d.Delta(&cur, &prev); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Count(), d.ValueAt(0.5))
	// Output: 100 2ms
}
