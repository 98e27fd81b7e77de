package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/c1m-testbed/c1m-testbed/"

// root is the repository root, two levels above this package.
var root = filepath.Join("..", "..")

// allowed lists, for each package, the packages of this module it may
// import (docs/architecture.md: cmd -> testbed -> {plan, topology, nodes,
// measure, results, report, lab, verdict, merge}; plan -> scenarios; cmd
// -> lab -> {topology, results}; measure -> {results, nodes, topology};
// scenarios, plan, results, report, verdict and merge are pure; nodes and
// topology never import each other or testbed; lab and measure never
// import testbed). Test files are not checked: tests may reach across to
// build what they check.
var allowed = map[string][]string{
	"cmd/c1m-testbed":        {"testbed", "experiment", "lab", "scenarios", "plan", "results", "report", "merge", "nodes", "kube", "internal/printable", "internal/units", "internal/layout"}, // nodes: the hidden `node` worker entry; kube: the manifests of `kube`; layout: the benchmarking range
	"cmd/c1m-node":           {"nodes"},
	"testbed":                {"scenarios", "plan", "topology", "cgroups", "nodes", "results", "report", "lab", "measure", "verdict", "merge", "internal/atomicfile", "internal/histogram", "internal/layout", "internal/printable", "internal/procfs", "internal/units"},
	"scenarios":              {"internal/editdist", "internal/layout", "internal/sysctlscope", "internal/protocols", "internal/printable", "internal/units", "internal/sat"},
	"plan":                   {"scenarios", "internal/layout", "internal/sat", "internal/sysctlscope", "internal/protocols", "internal/units"}, // pure: the capacity plan of a decoded scenario
	"topology":               {"internal/layout", "internal/sysctlscope", "internal/procfs"},
	"nodes":                  {"internal/histogram", "internal/protocols"},
	"measure":                {"results", "nodes", "topology", "internal/histogram", "internal/procfs"}, // nodes: nodes.Stats; topology: entering namespaces, finding processes
	"results":                {"internal/atomicfile", "internal/histogram", "internal/printable"},
	"results/resultstest":    {},
	"scenarios/scenariotest": {},
	"lab":                    {"topology", "cgroups", "results", "internal/atomicfile", "internal/procfs"},                                                           // never testbed: down, status, exec and clean need no runner
	"experiment":             {"testbed", "plan", "scenarios", "results", "report", "internal/units"},                                                                // sweeps and repeats: runs through testbed.Run
	"report":                 {"results", "plan", "scenarios", "internal/histogram", "internal/stats", "internal/printable", "internal/protocols", "internal/units"}, // plan: the plan's tables, for `plan` and the report
	"verdict":                {"scenarios", "results", "internal/histogram", "internal/units"},                                                                       // pure: expectations and latency checks
	"merge":                  {"scenarios", "results", "verdict", "internal/histogram", "internal/printable"},                                                        // reads only the inputs it is named
	"merge/mergetest":        {"scenarios", "results", "internal/histogram"},
	"internal/sysctlscope":   {"internal/editdist"},
	"internal/layout":        {},
	"internal/protocols":     {},
	"internal/printable":     {},
	"internal/editdist":      {},
	"internal/histogram":     {},
	"internal/units":         {},
	"internal/sat":           {},
	"internal/stats":         {},
	"internal/atomicfile":    {},
	"internal/hostlock":      {},
	"internal/procfs":        {},
	"cgroups":                {}, // the forking thread's cgroup: topology.StartIn takes it as a CgroupJoiner
	"examples/goserver":      {},
	"examples/goclient":      {},
	"examples/wsserver":      {},
	"bench":                  {"scenarios", "plan", "results", "testbed"},
	"kube":                   {"scenarios", "plan", "internal/printable"}, // pure: k8s.io/api types printed with sigs.k8s.io/yaml
}

// TestImportArrows parses every non-test Go file and checks its imports
// of this module against allowed.
func TestImportArrows(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || runOutput(path)) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if rel == "internal/archtest" {
			return nil
		}
		seen[rel] = true
		may, known := allowed[rel]
		if !known {
			t.Errorf("package %s is not in the arrows of this test: add it to allowed (and to docs/architecture.md)", rel)
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			if dep := strings.TrimPrefix(p, module); !slices.Contains(may, dep) {
				t.Errorf("%s imports %s: the arrows of docs/architecture.md do not allow it", path, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range allowed {
		if !seen[pkg] {
			t.Errorf("allowed names %s, which has no Go files: remove it", pkg)
		}
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)

// TestDocLinks checks that every relative link in README.md and docs/
// points to a file that exists (a doc once cited a DESIGN.md that was not
// in the repository).
func TestDocLinks(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	labs, _ := filepath.Glob(filepath.Join(root, "docs", "labs", "*.md"))
	files = append(append(files, labs...), filepath.Join(root, "README.md"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), target)); err != nil {
				rel, _ := filepath.Rel(root, f)
				t.Errorf("%s links to %s, which does not exist", rel, target)
			}
		}
		if strings.Contains(string(data), "DESIGN.md") {
			rel, _ := filepath.Rel(root, f)
			t.Errorf("%s cites DESIGN.md, which is not in the repository: link docs/architecture.md", rel)
		}
	}
}

// runOutput reports whether path is a run's output directory: the default
// --out puts runs in results/<name>-<time>/, beside the results package.
func runOutput(path string) bool {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return false
	}
	dir, name := filepath.Split(filepath.ToSlash(rel))
	return dir == "results/" && name != "resultstest"
}
