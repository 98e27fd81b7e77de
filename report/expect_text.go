package report

import "github.com/c1m-testbed/c1m-testbed/results"

// noExpectations is the Expectations table's note when there are none.
const noExpectations = "The scenario states no expectations."

// expectationTable lists each expectation with what it wanted, what the
// run got and whether it held.
func expectationTable(es []results.Expectation) table {
	t := table{title: "Expectations", head: []string{"expectation", "want", "got", "verdict"}, textLeft: 4}
	for _, e := range es {
		t.rows = append(t.rows, []string{e.Name, e.Want, e.Got, heldText(e.Held)})
	}
	if len(t.rows) == 0 {
		t.note = noExpectations
	}
	return t
}

// ExpectationsText renders the Expectations table for the terminal, in
// aligned columns, or the note that there are none.
func ExpectationsText(es []results.Expectation) string {
	t := expectationTable(es)
	if len(t.rows) == 0 {
		return "  " + noExpectations + "\n"
	}
	return t.text()
}
