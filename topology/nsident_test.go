package topology

import (
	"bufio"
	"strings"
	"testing"
)

// TestNSRecordParse: the run record's namespace lines are read back; a
// line torn by a crash or otherwise malformed is skipped, not fatal.
func TestNSRecordParse(t *testing.T) {
	in := "c1m-ab12cd-srv 4 4026532281 12\n" +
		"c1m-ab12cd-c1 4 4026532345 13\n" +
		"c1m-ab12cd-c2 4 40265\n" + // torn
		"c1m-ab12cd-c3 x 4026532400 14\n" +
		"\n" +
		"c1m-ab12cd-c4 4 4026532401 0\n"
	got := parseNSRecord(bufio.NewScanner(strings.NewReader(in)))
	want := []nsEntry{
		{Name: "c1m-ab12cd-srv", ID: nsID{4, 4026532281}, Cookie: 12},
		{Name: "c1m-ab12cd-c1", ID: nsID{4, 4026532345}, Cookie: 13},
		{Name: "c1m-ab12cd-c4", ID: nsID{4, 4026532401}},
	}
	if len(got) != len(want) {
		t.Fatalf("parseNSRecord = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if s := (nsEntry{Name: "c1m-ab12cd-c1", ID: nsID{4, 7}, Unnamed: true}).label(); s != "c1m-ab12cd-c1 (no longer named, net:[7])" {
		t.Errorf("label = %q", s)
	}
}
