package scenarios

import (
	"fmt"
	"path/filepath"
	"strings"
)

// SourceText returns the text of a scenario as Load would read it (a
// file, or a built-in's embedded TOML) and a file name for it
// ("smoke.toml"), for a fleet that ships the scenario to its pods (a
// Kubernetes ConfigMap). The text is checked to parse.
func SourceText(nameOrPath string) (string, []byte, error) {
	var data []byte
	var err error
	name := nameOrPath
	if isPath(nameOrPath) {
		data, err = readScenarioFile(nameOrPath)
		name = filepath.Base(nameOrPath)
	} else {
		if _, err := Load(nameOrPath); err != nil {
			return "", nil, err
		}
		data, err = builtinFS.ReadFile(nameOrPath + ".toml")
		name = nameOrPath + ".toml"
	}
	if err != nil {
		return "", nil, fmt.Errorf("failed to read scenario %s: %w", nameOrPath, err)
	}
	if _, err := Parse(nameOrPath, data); err != nil {
		return "", nil, err
	}
	if !strings.HasSuffix(name, ".toml") {
		name += ".toml"
	}
	return name, data, nil
}
