// Package report renders the results of a run (package results: run.json
// and samples.csv) for people: GenerateFiles writes a self-contained
// report.html (inline SVG charts drawn with gonum.org/v1/plot), report.md
// and PNG charts; CompareFiles puts several runs side by side; the
// terminal tables come from the same table model. A partial
// results directory, left by a killed run, is reported for what it holds,
// with a notice saying what is missing.
package report
