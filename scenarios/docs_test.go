package scenarios

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
)

// docSections maps a heading of docs/scenario-format.md to the decoder's
// section it documents.
var docSections = map[string]string{
	"## Top level": "", "## `[topology]`": "topology", "## `[server]`": "server",
	"## `[client]`": "client", "## `[expect]`": "expect",
}

var rowKey = regexp.MustCompile("^\\| `([a-z0-9-]+)` +\\|")

// docTables reads the key tables of the doc: section -> key -> row cells
// ("", key, type, default, meaning, "").
func docTables(t *testing.T, doc string) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	section, in := "", false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "#") {
			section, in = docSections[strings.TrimSpace(line)]
			if in && out[section] == nil {
				out[section] = map[string][]string{}
			}
			continue
		}
		if m := rowKey.FindStringSubmatch(line); in && m != nil {
			out[section][m[1]] = strings.Split(line, "|")
		}
	}
	return out
}

// TestDocMatchesDecoder checks docs/scenario-format.md against the
// decoder: every key it knows has a row with its default, and every row
// names a key it knows; every phase key is documented with its kind;
// every [host] key has its row (scope, range, floor, margin, "+N") and
// every per-namespace key is listed.
func TestDocMatchesDecoder(t *testing.T) {
	data, err := os.ReadFile("../docs/scenario-format.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	tables := docTables(t, doc)
	for section, keys := range sectionKeys {
		rows := tables[section]
		for _, k := range keys {
			row, ok := rows[k.name]
			switch {
			case !ok:
				t.Errorf("[%s] %s: no row in docs/scenario-format.md", section, k.name)
			case k.def != "" && (len(row) < 5 || !strings.Contains(row[3], k.def)):
				t.Errorf("[%s] %s: the doc's row does not give the default %s: %s", section, k.name, k.def, strings.Join(row, "|"))
			}
		}
		for name := range rows {
			if !slices.Contains(keysOf(section), name) {
				t.Errorf("[%s] %s: documented, but the decoder does not know it", section, name)
			}
		}
	}
	phaseRows := map[string]string{}
	for _, line := range strings.Split(doc, "\n") {
		if m := rowKey.FindStringSubmatch(line); m != nil && phaseKeys[m[1]] != nil {
			phaseRows[m[1]] = line
		}
	}
	for kind, keys := range phaseKeys {
		for _, k := range keys {
			if k != "kind" && k != "name" && !strings.Contains(phaseRows[kind], "`"+k+"`") {
				t.Errorf("phase %s: key %s is not in its row", kind, k)
			}
		}
		if kind != PhaseHold && !strings.Contains(phaseRows[kind], DefaultPhaseTimeout.String()) && !strings.Contains(phaseRows[kind], "120s") {
			t.Errorf("phase %s: the row does not give the default timeout", kind)
		}
	}
	for _, k := range sysctlscope.All() {
		if k.Scope.OnHost() {
			if !strings.Contains(doc, hostRow(k)) {
				t.Errorf("[host] %s: the doc lacks its row %s", k.Name, hostRow(k))
			}
		} else if !strings.Contains(doc, "`"+k.Name+"`") {
			t.Errorf("[sysctl.*] %s is not listed", k.Name)
		}
	}
}
