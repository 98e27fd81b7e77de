package report

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReportActionsAndSharedHost: the privileged actions are listed, and a
// run that shared the host says so in the notice box.
func TestReportActionsAndSharedHost(t *testing.T) {
	dir := copyResults(t, "fin")
	rec, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec.Actions = []Action{
		{Kind: "host-sysctl", What: "net.ipv4.tcp_max_orphans", Old: "65536", New: "262144"},
		{Kind: "program", What: "/usr/bin/my-server", Argv: []string{"/usr/bin/my-server", "--port", "8000"}},
		{Kind: "namespaces", What: "network namespaces c1m-x-*", Count: 3},
	}
	rec.SharedHost, rec.SharedWith = true, []string{"abc123"}
	if err := WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	md := readFile(t, filepath.Join(dir, MarkdownFile))
	for _, w := range []string{"Privileged actions the run took", "65536 → 262144", "/usr/bin/my-server --port 8000", "| namespaces |", "Other runs were active on the host during this one (abc123)"} {
		if !strings.Contains(md, w) {
			t.Errorf("report.md lacks %q", w)
		}
	}
}
