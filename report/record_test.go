package report

import "github.com/c1m-testbed/c1m-testbed/results"

// writeRecord writes rec to dir/run.json through results.OpenDir, as a
// run's outcome does on its open directory.
func writeRecord(dir string, rec *results.Record) error {
	d, err := results.OpenDir(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.WriteRecord(rec)
}
