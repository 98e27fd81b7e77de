package report

// V1Key exports v1Key to the tests of package report_test.
var V1Key = v1Key

// JSONKeys and DocKeys export the doc-check helpers to package report_test.
var (
	JSONKeys  = jsonKeys
	DocKeys   = docKeys
	CheckKeys = checkKeys
)
