package scenarios

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/editdist"
	"github.com/c1m-testbed/c1m-testbed/internal/layout"
	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// decoder turns the generic TOML tree into a Scenario, keeping the first error.
type decoder struct {
	file string
	pos  positions
	err  *Error
}

// table is one TOML table with its path (for positions) and display name.
type table struct {
	path string // key path: "server", "phase[0]", "" for the top level
	name string // for messages: "server", "phase 1", ""
	m    map[string]any
}

func (t table) child(k string) string { return join(t.path, k) }

// qualified is the key's name in messages: "server.backlog", "phase 2: kind".
func (t table) qualified(k string) string {
	switch {
	case t.name == "":
		return k
	case strings.HasPrefix(t.name, "phase "):
		return t.name + " " + k
	}
	return t.name + "." + k
}

func (d *decoder) failAt(p pos, fix, format string, args ...any) {
	if d.err == nil {
		d.err = errorAt(d.file, p, fmt.Sprintf(format, args...), fix)
	}
}

func (d *decoder) failKey(path, fix, format string, args ...any) {
	d.failAt(d.pos.keyAt(path), fix, format, args...)
}

func (d *decoder) failVal(path, fix, format string, args ...any) {
	d.failAt(d.pos.valAt(path), fix, format, args...)
}

// known reports the first key of t (in file order) that is not allowed.
func (d *decoder) known(t table, allowed ...string) {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var bad []string
	for k := range t.m {
		if !ok[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return
	}
	sort.Slice(bad, func(i, j int) bool {
		a, b := d.pos.keyAt(t.child(bad[i])), d.pos.keyAt(t.child(bad[j]))
		if a != b {
			return a.line < b.line || a.line == b.line && a.col < b.col
		}
		return bad[i] < bad[j]
	})
	k := bad[0]
	d.failKey(t.child(k), suggest(k, allowed), "unknown key %q", t.qualified(k))
}

// suggest names the closest allowed key, or lists them all.
func suggest(k string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if dist := editdist.Distance(k, a); dist < bestD {
			best, bestD = a, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	s := append([]string(nil), allowed...)
	sort.Strings(s)
	return "remove it; known keys here: " + strings.Join(s, ", ")
}

// typeName names a decoded TOML value's type for messages.
func typeName(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("a string (%q)", v)
	case int64:
		return fmt.Sprintf("an integer (%d)", v)
	case float64:
		return fmt.Sprintf("a float (%v)", v)
	case bool:
		return fmt.Sprintf("a boolean (%v)", v)
	case []any:
		return "an array"
	case []map[string]any:
		return "an array of tables"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a %T", v)
}

func (d *decoder) wrongType(t table, k, want, fix string) {
	d.failVal(t.child(k), fix, "%s: want %s, got %s", t.qualified(k), want, typeName(t.m[k]))
}

func (d *decoder) str(t table, k, def string) string {
	v, ok := t.m[k]
	if !ok {
		return def
	}
	s, ok := v.(string)
	if !ok {
		d.wrongType(t, k, "a string", fmt.Sprintf("put the value in quotes: %s = \"...\"", k))
	}
	return s
}

// enum reads a string that must be one of choices.
func (d *decoder) enum(t table, k, def string, choices ...string) string {
	s := d.str(t, k, def)
	for _, c := range choices {
		if s == c {
			return s
		}
	}
	if d.err == nil {
		d.failVal(t.child(k), fmt.Sprintf("use one of %s", quoteList(choices)), "%s: %q is not valid", t.qualified(k), s)
	}
	return def
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// integer reads a whole number in [lo, hi].
func (d *decoder) integer(t table, k string, def, lo, hi int64) int64 {
	v, ok := t.m[k]
	if !ok {
		return def
	}
	n, ok := v.(int64)
	if !ok {
		d.wrongType(t, k, "an integer", fmt.Sprintf("write a whole number without quotes, e.g. %s = %d", k, max(lo, min(hi, 1))))
		return def
	}
	if !d.inRange(t, k, n, lo, hi) {
		return def
	}
	return n
}

// inRange reports whether lo <= n <= hi, recording an error if not.
func (d *decoder) inRange(t table, k string, n, lo, hi int64) bool {
	ok := n >= lo && n <= hi
	switch {
	case n < lo && lo == 0:
		d.failVal(t.child(k), "counts start at 0", "%s: %d is negative", t.qualified(k), n)
	case n < lo:
		d.failVal(t.child(k), fmt.Sprintf("use a value from %s to %s", units.Int(lo), units.Int(hi)), "%s: %s is below the minimum %s", t.qualified(k), units.Int(n), units.Int(lo))
	case n > hi:
		d.failVal(t.child(k), fmt.Sprintf("use a value from %s to %s", units.Int(lo), units.Int(hi)), "%s: %s is above the maximum %s", t.qualified(k), units.Int(n), units.Int(hi))
	}
	return ok
}

// count reads a count: an integer, or a string like "1M", "200k", "1_000_000".
func (d *decoder) count(t table, k string, def, lo, hi int64) int64 {
	v, ok := t.m[k]
	if !ok {
		return def
	}
	fix := fmt.Sprintf(`write a count like %s = 1000000, "1M" or "200k"`, k)
	var n int64
	switch v := v.(type) {
	case int64:
		n = v
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			d.failVal(t.child(k), fix, "%s: %v is not a whole number", t.qualified(k), v)
			return def
		}
		n = int64(v)
	case string:
		var err error
		if n, err = ParseCount(v); err != nil {
			d.failVal(t.child(k), fix, "%s: %v", t.qualified(k), err)
			return def
		}
	default:
		d.wrongType(t, k, "a count", fix)
		return def
	}
	if !d.inRange(t, k, n, lo, hi) {
		return def
	}
	return n
}

func (d *decoder) size(t table, k string) int64 {
	v, ok := t.m[k]
	if !ok {
		return 0
	}
	fix := fmt.Sprintf(`write a size like %s = 65536, "64KiB" or "1MiB"`, k)
	switch v := v.(type) {
	case int64:
		if !d.inRange(t, k, v, 0, math.MaxInt64) {
			return 0
		}
		return v
	case string:
		n, err := ParseSize(v)
		if err != nil {
			d.failVal(t.child(k), fix, "%s: %v", t.qualified(k), err)
		}
		return n
	}
	d.wrongType(t, k, "a size", fix)
	return 0
}

// sizeIn reads a size from 0 to hi bytes.
func (d *decoder) sizeIn(t table, k string, def, hi int64) int64 {
	if _, ok := t.m[k]; !ok {
		return def
	}
	n := d.size(t, k)
	if d.err == nil && n > hi {
		d.failVal(t.child(k), fmt.Sprintf("use a size from 0 to %s bytes", units.Int(hi)), "%s: %s bytes is above the maximum %s", t.qualified(k), units.Int(n), units.Int(hi))
		return def
	}
	return n
}

func (d *decoder) duration(t table, k string, def time.Duration) time.Duration {
	v, ok := t.m[k]
	if !ok {
		return def
	}
	fix := fmt.Sprintf(`write a duration in quotes, like %s = "30s" or "2m"`, k)
	s, ok := v.(string)
	if !ok {
		d.wrongType(t, k, "a duration", fix)
		return def
	}
	dur, err := parseDuration(s)
	if err != nil {
		d.failVal(t.child(k), fix, "%s: %v", t.qualified(k), err)
		return def
	}
	return dur
}

func (d *decoder) float(t table, k string, def float64) float64 {
	switch v := t.m[k].(type) {
	case nil:
		return def
	case float64:
		return v
	case int64:
		return float64(v)
	}
	d.wrongType(t, k, "a number", fmt.Sprintf("write a number without quotes, e.g. %s = 0.5", k))
	return def
}

func (d *decoder) boolean(t table, k string) bool {
	v, ok := t.m[k]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		d.wrongType(t, k, "a boolean", fmt.Sprintf("write %s = true or %s = false", k, k))
	}
	return b
}

func (d *decoder) strList(t table, k string) []string {
	v, ok := t.m[k]
	if !ok {
		return nil
	}
	fix := fmt.Sprintf(`write a list of strings, e.g. %s = ["EADDRNOTAVAIL"]`, k)
	list, ok := v.([]any)
	if !ok {
		d.wrongType(t, k, "a list of strings", fix)
		return nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			d.failVal(fmt.Sprintf("%s[%d]", t.child(k), i), fix, "%s: item %d: want a string, got %s", t.qualified(k), i+1, typeName(e))
			return nil
		}
		out = append(out, s)
	}
	return out
}

// sub returns the table under key k; ok is false when it is absent or wrong.
func (d *decoder) sub(t table, k string) (table, bool) {
	v, present := t.m[k]
	if !present {
		return table{path: t.child(k), name: t.qualified(k), m: map[string]any{}}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		d.failVal(t.child(k), fmt.Sprintf("write it as a table: [%s]", t.qualified(k)), "%s: want a table, got %s", t.qualified(k), typeName(v))
		return table{path: t.child(k), name: t.qualified(k), m: map[string]any{}}, false
	}
	return table{path: t.child(k), name: t.qualified(k), m: m}, true
}

// cidr reads key k as a CIDR string: the text as written and its parse
// (err set when it is not a prefix); ok false when k is absent or not a
// string (refused, with example as the fix).
func (d *decoder) cidr(t table, k, example string) (s string, p netip.Prefix, ok bool, err error) {
	v, ok := t.m[k]
	if !ok {
		return "", p, false, nil
	}
	if s, ok = v.(string); !ok {
		d.wrongType(t, k, "a CIDR string", example)
		return "", p, false, nil
	}
	p, err = netip.ParsePrefix(strings.TrimSpace(s))
	return s, p, true, err
}

// subnet reads topology.subnet: an IPv4 CIDR inside 198.18.0.0/15.
func (d *decoder) subnet(t table, k string) netip.Prefix {
	s, p, ok, err := d.cidr(t, k, `write subnet = "198.18.0.0/15"`)
	if !ok {
		return layout.DefaultSubnet
	}
	switch {
	case err != nil:
		d.failVal(t.child(k), `write an IPv4 prefix like "198.18.0.0/16"`, "%s: %q is not a CIDR prefix", t.qualified(k), s)
	case !p.Addr().Is4():
		d.failVal(t.child(k), `use IPv4 addresses from 198.18.0.0/15`, "%s: %q is not IPv4", t.qualified(k), s)
	case p != p.Masked():
		d.failVal(t.child(k), fmt.Sprintf("write %q", p.Masked().String()), "%s: %q has host bits set", t.qualified(k), s)
	case !layout.DefaultSubnet.Contains(p.Addr()) || p.Bits() < layout.DefaultSubnet.Bits():
		d.failVal(t.child(k), "use a prefix inside 198.18.0.0/15 (RFC 2544 benchmarking range), so lab traffic can never collide with real networks", "%s: %s is outside 198.18.0.0/15", t.qualified(k), s)
	default:
		return p
	}
	return layout.DefaultSubnet
}

// subnet6 reads an IPv6 prefix inside 2001:2::/48 (RFC 5180), naming
// what any other prefix is, so a lab can never send to a real network.
func (d *decoder) subnet6(t table, k string) netip.Prefix {
	s, p, ok, err := d.cidr(t, k, `write subnet6 = "2001:2::/48"`)
	if !ok {
		return layout.DefaultSubnet6
	}
	inside := "use a prefix inside 2001:2::/48 (RFC 5180 benchmarking prefix), so lab traffic can never reach a real network"
	switch {
	case err != nil:
		d.failVal(t.child(k), `write an IPv6 prefix like "2001:2::/48"`, "%s: %q is not a CIDR prefix", t.qualified(k), s)
	case p.Addr().Is4() || p.Addr().Is4In6():
		d.failVal(t.child(k), inside, "%s: %q is IPv4 (IPv4 addresses come from topology.subnet)", t.qualified(k), s)
	case p.Addr().Zone() != "":
		d.failVal(t.child(k), inside, "%s: %q has a zone", t.qualified(k), s)
	case p != p.Masked():
		d.failVal(t.child(k), fmt.Sprintf("write %q", p.Masked().String()), "%s: %q has host bits set", t.qualified(k), s)
	case !layout.DefaultSubnet6.Contains(p.Addr()) || p.Bits() < layout.DefaultSubnet6.Bits():
		d.failVal(t.child(k), inside, "%s: %s is %s, outside 2001:2::/48", t.qualified(k), s, kind6(p.Addr()))
	case p.Bits() > 63:
		d.failVal(t.child(k), "use a /63 or larger: every namespace takes a /64", "%s: %s holds one /64", t.qualified(k), s)
	default:
		return p
	}
	return layout.DefaultSubnet6
}

// kind6 names what an IPv6 address outside the benchmarking prefix is.
func kind6(a netip.Addr) string {
	switch {
	case a.IsLoopback():
		return "the loopback address"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLinkLocalUnicast():
		return "link-local (fe80::/10)"
	case a.IsMulticast():
		return "multicast"
	case a.IsPrivate():
		return "a unique local address (fc00::/7)"
	case netip.MustParsePrefix("2001:db8::/32").Contains(a):
		return "the documentation prefix (2001:db8::/32)"
	case a.IsGlobalUnicast():
		return "a global address"
	}
	return "not a benchmarking address"
}
