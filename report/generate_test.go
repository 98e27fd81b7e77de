package report

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// svgs returns the inline SVG elements of an HTML report, by chart title.
func svgs(t *testing.T, html string) []string {
	t.Helper()
	out := regexp.MustCompile(`(?s)<svg class="chart".*?</svg>`).FindAllString(html, -1)
	if len(out) == 0 {
		t.Fatal("the HTML report has no inline SVG chart")
	}
	return out
}

// svgWith returns the chart whose text contains title.
func svgWith(t *testing.T, charts []string, title string) string {
	t.Helper()
	for _, c := range charts {
		if strings.Contains(c, title) {
			return c
		}
	}
	t.Fatalf("no chart titled %q", title)
	return ""
}

// assertSelfContained fails when the page refers to anything outside itself.
func assertSelfContained(t *testing.T, html string) {
	t.Helper()
	for _, bad := range []string{"http://", "https://", "<script", "<link", "src=", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("the HTML report is not self-contained: it contains %q", bad)
		}
	}
}

func TestGenerateFullRun(t *testing.T) {
	dir := resultstest.Copy(t, "fin")
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	html := resultstest.ReadFile(t, filepath.Join(dir, HTMLFile))
	assertSelfContained(t, html)
	if strings.Contains(html, `class="notice"`) {
		t.Errorf("a complete run got a notice")
	}
	charts := svgs(t, html)
	tests := []struct {
		title string
		want  []string
	}{
		{"Established connections", []string{"cli_established", "srv_established", "connect", "hold", "close-fin"}},
		{"Connects and closes", []string{"connects_per_sec", "closes_per_sec", "close-fin"}},
		{"Errors by errno", []string{"err_EADDRNOTAVAIL", "connect"}},
		{"Kernel TCP memory", []string{"tcp_mem_pages", "tcp_mem min 6,000", "tcp_mem pressure 8,000", "tcp_mem max 12,000"}},
		{"Slab and user RSS", []string{"slab", "cli_rss", "srv_rss", "MiB"}},
		{"TIME_WAIT and orphan", []string{"srv_tw", "cli_tw", "srv_orphan", "cli_orphan", "close-fin"}},
	}
	for _, tt := range tests {
		svg := svgWith(t, charts, tt.title)
		for _, w := range tt.want {
			if !strings.Contains(svg, ">"+w) {
				t.Errorf("chart %q lacks the text %q", tt.title, w)
			}
		}
	}
	if strings.Contains(svgWith(t, charts, "Errors by errno"), "err_EMFILE") {
		t.Errorf("the errors chart draws an all-zero errno")
	}
	for _, w := range []string{"FAILED", "✘ FAILED", "✔ held", "Expectations", "peak_established", "6.18.0-test", "net.ipv4.tcp_mem",
		"Plan: limits", "open files per process", "workers.server", "Host settings", "tcp_max_orphans"} {
		if !strings.Contains(html, w) {
			t.Errorf("the HTML report lacks %q", w)
		}
	}
	md := resultstest.ReadFile(t, filepath.Join(dir, MarkdownFile))
	for _, png := range regexp.MustCompile(`\]\((charts/[^)]+\.png)\)`).FindAllStringSubmatch(md, -1) {
		st, err := os.Stat(filepath.Join(dir, png[1]))
		if err != nil || st.Size() == 0 {
			t.Errorf("report.md links %s, which is missing or empty", png[1])
		}
	}
	if !strings.Contains(md, "](charts/established.png)") {
		t.Errorf("report.md does not link the established chart")
	}
}

func TestGeneratePartialRun(t *testing.T) {
	dir := resultstest.Copy(t, "partial")
	if _, err := GenerateFiles(dir); err != nil {
		t.Fatalf("Generate of a partial directory: %v", err)
	}
	html := resultstest.ReadFile(t, filepath.Join(dir, HTMLFile))
	assertSelfContained(t, html)
	for _, w := range []string{`class="notice"`, "run.json is truncated", "samples.csv ends in the middle of a row"} {
		if !strings.Contains(html, w) {
			t.Errorf("the partial report lacks %q", w)
		}
	}
	svg := svgWith(t, svgs(t, html), "Established connections")
	if !strings.Contains(svg, ">hold") {
		t.Errorf("the partial report's chart lacks the phases it has")
	}
	if !strings.Contains(resultstest.ReadFile(t, filepath.Join(dir, MarkdownFile)), "> - run.json is truncated") {
		t.Errorf("report.md lacks the notice")
	}
}

func TestGenerateMissingFiles(t *testing.T) {
	tests := []struct {
		name   string
		remove string
		notice string
	}{
		{"no samples", results.SamplesFile, "samples.csv is missing"},
		{"no record", results.RunFile, "run.json is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := resultstest.Copy(t, "fin")
			if err := os.Remove(filepath.Join(dir, tt.remove)); err != nil {
				t.Fatal(err)
			}
			if _, err := GenerateFiles(dir); err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if html := resultstest.ReadFile(t, filepath.Join(dir, HTMLFile)); !strings.Contains(html, tt.notice) {
				t.Errorf("the report lacks the notice %q", tt.notice)
			}
		})
	}
}

func TestGenerateNotResults(t *testing.T) {
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "absent")} {
		if _, err := GenerateFiles(dir); !errors.Is(err, results.ErrNotResults) {
			t.Errorf("GenerateFiles(%s) = %v, want results.ErrNotResults", dir, err)
		}
	}
}

func TestCompareRatios(t *testing.T) {
	fin, rst := resultstest.Copy(t, "fin"), resultstest.Copy(t, "rst")
	out := filepath.Join(t.TempDir(), "cmp")
	if _, err := CompareFiles(out, fin, rst); err != nil {
		t.Fatalf("Compare: %v", err)
	}
	html := resultstest.ReadFile(t, filepath.Join(out, CompareHTMLFile))
	assertSelfContained(t, html)
	// rst ramps in 8 s where fin took 10 s, and closes in 2.5 s against 5 s.
	for _, w := range []string{"Summary side by side", "8.0 s (×0.80)", "2.5 s (×0.50)", "5,000 /s (×1.25)",
		"Settings that differ", "TIME_WAIT (solid)"} {
		if !strings.Contains(html, w) {
			t.Errorf("the comparison lacks %q", w)
		}
	}
	svg := svgWith(t, svgs(t, html), "TIME_WAIT (solid)")
	for _, w := range []string{"fin TIME_WAIT", "rst TIME_WAIT", "fin orphans"} {
		if !strings.Contains(svg, ">"+w) {
			t.Errorf("the close storm overlay lacks %q", w)
		}
	}
	if !strings.Contains(resultstest.ReadFile(t, filepath.Join(out, CompareMarkdownFile)), "(charts/compare-established.png)") {
		t.Errorf("compare.md does not link the overlaid chart")
	}
}

func TestCompareNeedsTwoRuns(t *testing.T) {
	if _, err := CompareFiles(t.TempDir(), resultstest.Copy(t, "fin")); err == nil {
		t.Error("Compare of one run succeeded")
	}
}

// testdata holds the synthetic and recorded results directories
// (results/testdata: they are the results contract's fixtures).
var testdata = resultstest.Testdata()
