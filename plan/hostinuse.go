package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/sat"
	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// HostInUseKeys are the [host] settings whose new value is checked
// against what the host uses when the run starts (Env.HostInUse, filled
// by the testbed), with what "in use" is for each. fs.file-max falls back
// to Env.FileNr when HostInUse lacks it.
var HostInUseKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range sysctlscope.All() {
		if k.Scope.OnHost() && k.InUse != "" {
			m[k.Name] = k.InUse
		}
	}
	return m
}()

// inUse returns what the host uses now of key, if known.
func inUse(env Env, key string) (int64, bool) {
	if n, ok := env.HostInUse[key]; ok {
		return n, true
	}
	if key == "fs.file-max" {
		return env.FileNr, true
	}
	return 0, false
}

// checkHostInUse refuses a [host] value that would leave the host less
// than the key's margin above what it uses now: a lab lowers a limit
// relative to the host's own use, never below it.
func checkHostInUse(s *scenarios.Scenario, env Env) error {
	for _, name := range slices.Sorted(maps.Keys(s.Host)) {
		k, ok := sysctlscope.Lookup(name)
		if !ok || k.InUse == "" {
			continue
		}
		used, ok := inUse(env, name)
		if !ok {
			continue
		}
		v := s.Host[name]
		if strings.HasPrefix(v, "+") {
			continue // in use + N, N at least the margin (the decoder checked)
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		last, err := scenarios.ParseCount(f[len(f)-1])
		if err != nil || last >= sat.Add(used, k.Margin) {
			continue
		}
		fix := fmt.Sprintf("set it to at least %s %s", units.Int(sat.Add(used, k.Margin)), k.Unit)
		if k.Relative {
			fix += fmt.Sprintf(`, or write "+N" (N at least %s) for %s plus N`, units.Int(k.Margin), k.InUse)
		}
		return s.ErrorAt("host."+name, fix, "host %s: %s %s would leave the host less than %s %s above the %s it uses now (%s)",
			name, units.Int(last), k.Unit, units.Int(k.Margin), k.Unit, units.Int(used), k.InUse)
	}
	return nil
}
