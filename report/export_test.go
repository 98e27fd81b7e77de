package report

// V1Key exports v1Key to the tests of package report_test.
var V1Key = v1Key
