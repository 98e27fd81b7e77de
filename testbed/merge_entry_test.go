package testbed

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/merge/mergetest"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// The tests of what Merge adds to merge.Read: the directory it names and
// what it prints (merge's own tests check the merging).

var mergeStart = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// twoShards returns the fake results of shards 0 and 1 of 2, started together.
func twoShards(t testing.TB) (a, b mergetest.Case) {
	return mergetest.Shard(t, 0, 2, mergeStart, "node-a", 10), mergetest.Shard(t, 1, 2, mergeStart, "node-b", 30)
}

// writeShards writes the cases as results directories in dir and returns
// their paths.
func writeShards(t testing.TB, dir string, cases ...mergetest.Case) []string {
	t.Helper()
	var paths []string
	for i, c := range cases {
		p := filepath.Join(dir, fmt.Sprintf("shard%d", i))
		c.WriteDir(t, p)
		paths = append(paths, p)
	}
	return paths
}

func TestDefaultOutDir(t *testing.T) {
	now := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name, want string
		note       bool
	}{
		{"smoke", "results/smoke-merged-20270102T030405Z", false},
		{"tcp-mem_1.5", "results/tcp-mem_1.5-merged-20270102T030405Z", false},
		{"../../x", "results/merged-20270102T030405Z", true},
		{"a/b", "results/merged-20270102T030405Z", true},
		{"", "results/merged-20270102T030405Z", true},
		{".hidden", "results/merged-20270102T030405Z", true},
		{"..", "results/merged-20270102T030405Z", true},
		{"x\x1b[2J", "results/merged-20270102T030405Z", true},
		{strings.Repeat("a", 65), "results/merged-20270102T030405Z", true},
		{strings.Repeat("a", 64), "results/" + strings.Repeat("a", 64) + "-merged-20270102T030405Z", false},
	} {
		dir, note := resultsDirName(tc.name, "-merged", "", now, true)
		if dir != tc.want || (note != "") != tc.note {
			t.Errorf("resultsDirName(%q) = %q, %q; want %q, a note %v", tc.name, dir, note, tc.want, tc.note)
		}
		if strings.ContainsAny(note, "\x1b\r\n") || len(note) > 400 {
			t.Errorf("resultsDirName(%q): note %q is not escaped or not short", tc.name, note)
		}
	}
}

// TestMergeNameOutsideResults: a scenario named ../../x made merge write
// outside ./results.
func TestMergeNameOutsideResults(t *testing.T) {
	dir := t.TempDir()
	work := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	a, b := twoShards(t)
	a.Part.Name, b.Part.Name = "../../x", "../../x"
	inputs := writeShards(t, dir, a, b)
	var out bytes.Buffer
	res, err := mergeAt(MergeOptions{Inputs: inputs, Progress: &out, NoReport: true}, mergeStart)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("results", "merged-20261202T000000Z"); res.Dir != want {
		t.Errorf("results in %s, want %s", res.Dir, want)
	}
	if _, err := os.Lstat(filepath.Join(dir, "x-merged-20261202T000000Z")); err == nil {
		t.Errorf("merge wrote outside ./results")
	}
	if !strings.Contains(out.String(), `the scenario's name "../../x" is not a plain name`) {
		t.Errorf("merge did not say why the directory is named otherwise:\n%s", out.String())
	}
	rec, err := results.ReadRecord(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rec.Notes, func(n string) bool { return strings.Contains(n, "not a plain name") }) {
		t.Errorf("notes %q lack the renaming", rec.Notes)
	}
}

// TestMergePrintsEscaped: names from the log reached the terminal raw: an
// escape sequence cleared the screen and printed a fake verdict.
func TestMergePrintsEscaped(t *testing.T) {
	const evil = "\x1b[2J\x1b[H\rall expectations held\u202e"
	a, b := twoShards(t)
	for _, c := range []mergetest.Case{a, b} {
		c.Part.Name = "smoke" + evil
		c.Part.Expect.ErrorsPresent = []string{"ENOMEM" + evil}
		c.Rec.Phases[0].Name = "connect" + evil
		c.Rec.Summary.Errors["E"+evil] = 1
		c.Rec.RunID = "id" + evil
		c.Rec.Summary.Protocol = &results.Protocol{Name: "http" + evil, Statuses: map[string]int64{"2xx" + evil: 1}}
	}
	var b2 bytes.Buffer
	dir := t.TempDir()
	_, err := mergeAt(MergeOptions{Inputs: writeShards(t, dir, a, b), OutDir: filepath.Join(dir, "merged"), Progress: &b2, NoReport: true}, mergeStart)
	if err != nil {
		t.Fatal(err)
	}
	out := b2.String()
	if i := strings.IndexFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == '\u202e' }); i >= 0 {
		t.Errorf("merge printed a control character at %d:\n%q", i, out)
	}
	for _, want := range []string{`smoke\x1b[2J`, `connect\x1b[2J`, `ENOMEM\x1b[2J`, `id\x1b[2J`, `http\x1b[2J`} {
		if !strings.Contains(out, want) {
			t.Errorf("merge's output lacks %s:\n%s", want, out)
		}
	}
}
