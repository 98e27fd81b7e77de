package report

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateRecordedSmoke renders a real run of scenarios/smoke.toml
// recorded on the reference machine (testdata/smoke-recorded): the charts
// carry the series and the phase marks of a run the testbed really made.
func TestGenerateRecordedSmoke(t *testing.T) {
	dir := copyResults(t, "smoke-recorded")
	if err := Generate(dir); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	html := readFile(t, filepath.Join(dir, HTMLFile))
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
	md := readFile(t, filepath.Join(dir, MarkdownFile))
	for _, w := range []string{"peak established (client) | 40,000", "messages | 40,000", "min-established", "host restored | yes"} {
		if !strings.Contains(md, w) {
			t.Errorf("report.md lacks %q", w)
		}
	}
}
