package results

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"time"
)

// CSV returns sweep.csv: a row per run, in the order they ran, with the
// run's directory, point, repeat, status, each parameter's value and
// every SweepMetric (empty where the run has none). Parameter columns are
// named by their keys.
func (s *Sweep) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"run", "point", "repeat", "status", "started", "seconds"}
	for _, p := range s.Parameters {
		head = append(head, p.Key)
	}
	for _, m := range SweepMetrics {
		head = append(head, m.Name)
	}
	_ = w.Write(head)
	for _, r := range s.Runs {
		row := []string{r.Dir, strconv.Itoa(r.Point + 1), strconv.Itoa(r.Repeat), r.Status, "", ""}
		if !r.Started.IsZero() {
			row[4] = r.Started.UTC().Format(time.RFC3339)
			if r.Ended.After(r.Started) {
				row[5] = strconv.FormatFloat(r.Ended.Sub(r.Started).Seconds(), 'f', 1, 64)
			}
		}
		row = append(row, s.Points[r.Point].Values...)
		for _, m := range SweepMetrics {
			cell := ""
			if v, ok := r.Metrics[m.Name]; ok {
				cell = strconv.FormatFloat(v, 'g', -1, 64)
			}
			row = append(row, cell)
		}
		_ = w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}
