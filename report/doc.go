// Package report owns the results of a run: the run.json record and the
// samples.csv time series (record.go, samples.go, docs/results.md), and
// turns them into reports people read: Generate writes a self-contained
// report.html (inline SVG charts drawn with gonum.org/v1/plot), report.md
// and PNG charts; Compare puts several runs side by side. A partial
// results directory, left by a killed run, is reported for what it holds,
// with a notice saying what is missing.
package report
