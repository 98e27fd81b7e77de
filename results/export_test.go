package results

// V1Key exports v1Key to the tests of package results_test.
var V1Key = v1Key

// JSONKeys and DocKeys export the doc-check helpers to package results_test.
var (
	JSONKeys  = jsonKeys
	DocKeys   = docKeys
	CheckKeys = checkKeys
)

// writeRecordAt writes rec to dir/run.json through OpenDir: the tests'
// way to build a results directory in place.
func writeRecordAt(dir string, rec *Record) error {
	d, err := OpenDir(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.WriteRecord(rec)
}
