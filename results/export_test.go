package results

// V1Key exports v1Key to the tests of package results_test.
var V1Key = v1Key

// JSONKeys and DocKeys export the doc-check helpers to package results_test.
var (
	JSONKeys  = jsonKeys
	DocKeys   = docKeys
	CheckKeys = checkKeys
)
