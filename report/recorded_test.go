package report

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// TestGenerateRecordedSmoke renders a real run of scenarios/smoke.toml
// recorded on the reference machine (testdata/smoke-recorded): the charts
// carry the series and the phase marks of a run the testbed really made.
func TestGenerateRecordedSmoke(t *testing.T) {
	dir := resultstest.Copy(t, "smoke-recorded")
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	html := resultstest.ReadFile(t, filepath.Join(dir, HTMLFile))
	assertSelfContained(t, html)
	if strings.Contains(html, `class="notice"`) {
		t.Errorf("a complete recorded run got a notice")
	}
	charts := svgs(t, html)
	for title, want := range map[string][]string{
		"Established connections": {"cli_established", "srv_established", "hold-2", "close-3"},
		"Connects and closes":     {"connects_per_sec", "closes_per_sec"},
		"TIME_WAIT and orphan":    {"cli_tw", "close-3"},
	} {
		svg := svgWith(t, charts, title)
		for _, w := range want {
			if !strings.Contains(svg, w) {
				t.Errorf("chart %q lacks %q", title, w)
			}
		}
	}
	md := resultstest.ReadFile(t, filepath.Join(dir, MarkdownFile))
	for _, w := range []string{"peak established (client) | 40,000", "messages | 40,000", "min-established", "host restored | yes"} {
		if !strings.Contains(md, w) {
			t.Errorf("report.md lacks %q", w)
		}
	}
}

// TestGenerateBothVersions renders the recorded smoke run as version 1
// (testdata/smoke-recorded) and as version 2 (testdata/smoke-v2): the
// reports are the same, and compare finds no setting in which they differ.
func TestGenerateBothVersions(t *testing.T) {
	v1, v2 := resultstest.Copy(t, "smoke-recorded"), resultstest.Copy(t, "smoke-v2")
	var mds []string
	for _, dir := range []string{v1, v2} {
		if _, err := GenerateFiles(dir); err != nil {
			t.Fatalf("GenerateFiles(%s): %v", dir, err)
		}
		mds = append(mds, resultstest.ReadFile(t, filepath.Join(dir, MarkdownFile)))
	}
	if mds[0] != mds[1] {
		t.Errorf("version 1 and version 2 of one run give different reports:\n%s\n----\n%s", mds[0], mds[1])
	}
	for _, w := range []string{`| five\_tuples | 225,856 |`, "Plan: limits", "✔ ok"} {
		if !strings.Contains(mds[0], w) {
			t.Errorf("the version 1 report lacks %q", w)
		}
	}
	out := filepath.Join(t.TempDir(), "cmp")
	if _, err := CompareFiles(out, v1, v2); err != nil {
		t.Fatal(err)
	}
	if md := resultstest.ReadFile(t, filepath.Join(out, CompareMarkdownFile)); strings.Contains(md, "| plan.") {
		t.Errorf("compare of version 1 and 2 of one run shows plan differences:\n%s", md)
	}
}
