package report

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// TestReportActionsAndSharedHost: the privileged actions are listed, and a
// run that shared the host says so in the notice box.
func TestReportActionsAndSharedHost(t *testing.T) {
	dir := resultstest.Copy(t, "fin")
	rec, err := results.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec.Actions = []results.Action{
		{Kind: "host-sysctl", What: "net.ipv4.tcp_max_orphans", Old: "65536", New: "262144"},
		{Kind: "program", What: "/usr/bin/my-server", Argv: []string{"/usr/bin/my-server", "--port", "8000"}},
		{Kind: "namespaces", What: "network namespaces c1m-x-*", Count: 3},
	}
	rec.SharedHost, rec.SharedWith = true, []string{"abc123"}
	if err := writeRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatal(err)
	}
	md := resultstest.ReadFile(t, filepath.Join(dir, MarkdownFile))
	for _, w := range []string{"Privileged actions the run took", "65536 → 262144", "/usr/bin/my-server --port 8000", "| namespaces |", "Other runs were active on the host during this one (abc123)"} {
		if !strings.Contains(md, w) {
			t.Errorf("report.md lacks %q", w)
		}
	}
}
