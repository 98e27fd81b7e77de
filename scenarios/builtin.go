package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.toml
var builtinFS embed.FS

// Info describes one built-in scenario.
type Info struct {
	// Name is the scenario's name, e.g. "million".
	Name string
	// Description is the first line of its description.
	Description string
}

// Builtins lists the built-in scenarios, sorted by name.
func Builtins() []Info {
	entries, _ := fs.ReadDir(builtinFS, ".")
	var out []Info
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".toml")
		info := Info{Name: name}
		if s, err := loadBuiltin(name, nil); err == nil {
			info.Description, _, _ = strings.Cut(strings.TrimSpace(s.Description), "\n")
		} else {
			info.Description = "(invalid: " + err.Error() + ")"
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Load reads a scenario from a file or a built-in scenario by name. An
// argument with a '/' or ending in .toml is a path ("scenarios/million.toml",
// "./lab.toml"): the file must exist and be a regular file of at most
// MaxFileSize bytes, and is never replaced by a built-in. Any other
// argument is a built-in's name ("million"). Every error about the
// scenario wraps ErrInvalid.
func Load(nameOrPath string) (*Scenario, error) {
	return LoadWith(nameOrPath, nil)
}

// LoadWith is Load with overrides: the scenario is read as Load reads
// it, then decoded with sets applied (ParseWith).
func LoadWith(nameOrPath string, sets []Override) (*Scenario, error) {
	if isPath(nameOrPath) {
		data, err := readScenarioFile(nameOrPath)
		if err != nil {
			return nil, err
		}
		return ParseWith(nameOrPath, data, sets)
	}
	if _, statErr := fs.Stat(builtinFS, nameOrPath+".toml"); statErr == nil && !strings.ContainsAny(nameOrPath, `\*?[`) {
		return loadBuiltin(nameOrPath, sets)
	}
	var names []string
	for _, b := range Builtins() {
		names = append(names, b.Name)
	}
	return nil, &Error{File: nameOrPath, Msg: "no built-in scenario of that name",
		Fix: "give a path to a .toml file (with a / or ending in .toml) or one of: " + strings.Join(names, ", ")}
}

func loadBuiltin(name string, sets []Override) (*Scenario, error) {
	data, err := builtinFS.ReadFile(name + ".toml")
	if err != nil {
		return nil, fmt.Errorf("failed to read built-in scenario %s: %w", name, err)
	}
	s, err := ParseWith("builtin:"+name, data, sets)
	if err != nil {
		return nil, err
	}
	return s, nil
}
