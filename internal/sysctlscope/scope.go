package sysctlscope

import (
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/editdist"
)

// Scope is where a sysctl's value lives.
type Scope int

// The scopes. A Namespace key is written inside the lab's namespaces; a
// Host or Parent key is written in the host's namespace through the run's
// journal and restored afterwards ([host] in a scenario).
const (
	// Namespace: each network namespace has its own value; a fresh
	// namespace starts from the kernel default.
	Namespace Scope = iota + 1
	// Host: one value for the whole host (missing or read-only in a child
	// namespace, or shared with it).
	Host
	// Parent: each namespace has its own value, but the kernel reads it
	// only when a namespace is created from it (the size of the child's
	// hash tables), so the lab sets it in the host's namespace before its
	// namespaces exist.
	Parent
)

// String names the scope as the docs do.
func (s Scope) String() string {
	switch s {
	case Namespace:
		return "per-namespace"
	case Host:
		return "host-global"
	case Parent:
		return "parent (read when a namespace is created)"
	}
	return "unknown"
}

// OnHost reports whether a key of this scope is written in the host's
// namespace (under [host], journaled), not inside the lab's namespaces.
func (s Scope) OnHost() bool { return s == Host || s == Parent }

// Key is one accepted sysctl.
type Key struct {
	// Name is the dotted name, e.g. "net.ipv4.tcp_mem".
	Name string
	// Scope is where the value lives.
	Scope Scope
	// Fields is the number of whole numbers the value holds (1 for a
	// count, 2 for a range, 3 for "min pressure max"); 0 for a word.
	Fields int
	// Min and Max bound every field (what the kernel accepts, or less).
	Min, Max int64
	// Increasing requires each field to be at least the one before.
	Increasing bool
	// Unit is what a field counts: "files", "pages", "bytes", ...
	Unit string
	// Floor, for a key written on the host, is the least value any field
	// may take, so that lowering the limit for a lab never starves the
	// host's own processes (a lab lowers a limit, never to 0).
	Floor int64
	// Margin, for a key written on the host that has an amount in use,
	// is the least headroom a new value must leave above what the host
	// uses when the run starts (checked by the planner against
	// Env.HostInUse).
	Margin int64
	// InUse says what "in use now" is for the key, when it has one.
	InUse string
	// Relative is true when the value may be written "+N": what the host
	// uses when the run starts plus N (N at least Margin).
	Relative bool
	// Doc is one line on what the key does.
	Doc string
}

// Least is the smallest value a field of k may take: Min, or Floor for a
// key written on the host.
func (k Key) Least() int64 { return max(k.Min, k.Floor) }

const maxInt = math.MaxInt32

var byName = func() map[string]Key {
	m := make(map[string]Key, len(table))
	for _, k := range table {
		if _, dup := m[k.Name]; dup {
			panic("sysctlscope: " + k.Name + " listed twice")
		}
		m[k.Name] = k
	}
	return m
}()

// Normalize turns a slash-separated name ("net/ipv4/tcp_mem", as under
// /proc/sys) into the dotted form the table uses.
func Normalize(name string) string {
	return strings.ReplaceAll(strings.Trim(name, "/"), "/", ".")
}

// Lookup returns the table's entry for name (dotted or slash-separated).
func Lookup(name string) (Key, bool) {
	k, ok := byName[Normalize(name)]
	return k, ok
}

// All returns every accepted key, sorted by name.
func All() []Key {
	out := slices.Clone(table)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// HostKeys returns the names accepted under [host] (scope Host or
// Parent), sorted.
func HostKeys() []string {
	var out []string
	for _, k := range All() {
		if k.Scope.OnHost() {
			out = append(out, k.Name)
		}
	}
	return out
}

// Nearest returns the accepted name closest to name when it is a likely
// typo (a few edits away, or the same last word), "" otherwise. onHost
// limits the search to [host] keys (true) or per-namespace keys (false).
func Nearest(name string, onHost bool) string {
	name = Normalize(name)
	best, bestD := "", 4
	for _, k := range table {
		if k.Scope.OnHost() != onHost {
			continue
		}
		if d := editdist.Distance(name, k.Name); d < bestD || d == bestD && k.Name < best {
			best, bestD = k.Name, d
		}
	}
	if best != "" {
		return best
	}
	last := name[strings.LastIndexByte(name, '.')+1:]
	for _, k := range All() {
		if k.Scope.OnHost() == onHost && strings.HasSuffix(k.Name, "."+last) {
			return k.Name
		}
	}
	return ""
}
