// Package report owns the results of a run: the run.json record and the
// samples.csv time series, and turns them into reports people read.
package report
