package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// tablePaths are the keys of a scenario that hold tables: an override
// names one of their keys, never the table whole.
var tablePaths = map[string]bool{
	"topology": true, "server": true, "client": true, "sysctl": true, "host": true, "expect": true,
	"sysctl.server": true, "sysctl.client": true, "server.env": true, "client.env": true,
	"expect.counters": true, "expect.counters-max": true,
}

// setter writes overrides into a decoded TOML tree.
type setter struct {
	file  string
	root  map[string]any
	marks map[string]string   // path (as positions has it) -> "KEY=VALUE"
	seen  map[string]Override // the key's identity -> the override that set it
	o     Override            // the override being written
	err   *Error
}

// applyOverrides writes sets into root, in order, as if the file had
// each key with its value, and returns the paths they wrote (and the
// tables they created), for positions.set.
func applyOverrides(file string, root map[string]any, sets []Override) (map[string]string, error) {
	if len(sets) == 0 {
		return nil, nil
	}
	if len(sets) > MaxOverrides {
		return nil, &Error{File: file, Msg: fmt.Sprintf("%d overrides: more than %d", len(sets), MaxOverrides),
			Fix: "edit a copy of the scenario file for this many changes"}
	}
	st := &setter{file: file, root: root, marks: map[string]string{}, seen: map[string]Override{}}
	for _, o := range sets {
		st.o = o
		st.apply()
		if st.err != nil {
			return nil, st.err
		}
	}
	return st.marks, nil
}

func (st *setter) fail(fix, format string, args ...any) {
	if st.err == nil {
		st.err = &Error{File: st.file, Set: st.o.String(), Msg: fmt.Sprintf(format, args...), Fix: fix}
	}
}

func (st *setter) apply() {
	if msg, fix := st.o.check(); msg != "" {
		st.fail(fix, "%s", msg)
		return
	}
	segs, _, _ := keyPath(st.o.Key)
	val, ok := st.value()
	if !ok {
		return
	}
	switch {
	case segs[0] == "phase":
		st.phase(segs, val)
	case segs[0] == "host":
		st.setting(segs[:1], segs[1:], val)
	case segs[0] == "sysctl" && len(segs) > 1 && (segs[1] == "server" || segs[1] == "client"):
		st.setting(segs[:2], segs[2:], val)
	default:
		if st.once(strings.Join(segs, "\x00")) {
			st.put(st.root, "", segs, segs, val)
		}
	}
}

// value reads the override's value: a TOML value when "v = VALUE" is
// TOML, a bare string otherwise.
func (st *setter) value() (any, bool) {
	src := "v = " + st.o.Value
	if err := checkNesting("", src); err != nil {
		st.fail("a value needs at most two levels of lists and tables", "the value nests deeper than %d levels", MaxNesting)
		return nil, false
	}
	var m map[string]any
	if _, err := toml.Decode(src, &m); err == nil && len(m) == 1 {
		if v, ok := m["v"]; ok {
			return v, true
		}
	}
	return st.o.Value, true
}

// once records the key's identity, refusing a key given twice (in any
// spelling): the last one winning would hide a mistake.
func (st *setter) once(id string) bool {
	first, dup := st.seen[id]
	if !dup {
		st.seen[id] = st.o
		return true
	}
	also := ""
	if first.Key != st.o.Key {
		also = fmt.Sprintf(" (also as %s)", first.Key)
	}
	if st.err == nil {
		st.err = &Error{File: st.file, Msg: fmt.Sprintf("--set %s is given twice%s", st.o.Key, also),
			Fix: "give each key once; to run several values of a key, sweep them: --set KEY=V1,V2"}
	}
	return false
}

// phase writes phase.N.KEY into the N-th [[phase]], counted from 1.
func (st *setter) phase(segs []string, val any) {
	list, _ := st.root["phase"].([]map[string]any)
	if len(segs) == 1 {
		st.fail("name a phase and one of its keys: --set phase.N.KEY=VALUE, N counted from 1", "phase is the list of phases, not a value")
		return
	}
	have := units.Plural(int64(len(list)), "phase", "phases")
	if strings.Trim(segs[1], "0123456789") != "" {
		st.fail(fmt.Sprintf("write phase.N.KEY with N from 1 to %d", len(list)), "phase.%s: want a phase number (the scenario has %s)", showKey(segs[1:2]), have)
		return
	}
	n, err := strconv.Atoi(segs[1])
	if err != nil || n < 1 || n > len(list) {
		fix := fmt.Sprintf("use phase.1 to phase.%d: phases count from 1, in the order of the file", len(list))
		if len(list) == 0 {
			fix = "add the phase to the file: an override changes a phase, it does not add one"
		}
		st.fail(fix, "phase.%s: the scenario has %s", segs[1], have)
		return
	}
	if len(segs) == 2 {
		st.fail(fmt.Sprintf("set one of its keys: --set phase.%d.KEY=VALUE", n), "phase.%d is a table, not a value", n)
		return
	}
	if st.once("phase\x00" + strconv.Itoa(n) + "\x00" + strings.Join(segs[2:], "\x00")) {
		st.put(list[n-1], fmt.Sprintf("phase[%d]", n-1), segs[2:], segs, val)
	}
}

// put writes val at path segs under cur (whose path is base), creating
// the tables that are missing; shown is the whole key, for messages.
func (st *setter) put(cur map[string]any, base string, segs, shown []string, val any) {
	path, lead := base, len(shown)-len(segs)
	for i, k := range segs {
		path = join(path, k)
		v, present := cur[k]
		if i == len(segs)-1 {
			if _, isTable := v.(map[string]any); isTable || tablePaths[path] {
				st.fail(fmt.Sprintf("set one of its keys: --set %s.KEY=VALUE", showKey(shown)), "%s is a table, not a value", showKey(shown))
				return
			}
			cur[k] = val
			st.mark(path)
			return
		}
		switch v := v.(type) {
		case map[string]any:
			cur = v
		default:
			if present {
				at := showKey(shown[:lead+i+1])
				st.fail(fmt.Sprintf("set it whole: --set %s=VALUE", at), "%s holds %s, not a table", at, typeName(v))
				return
			}
			sub := map[string]any{}
			cur[k] = sub
			st.mark(path)
			cur = sub
		}
	}
}

// setting writes one sysctl into a settings table ([host] or
// [sysctl.ROLE], whose path is table): the rest of the key is the
// sysctl's dotted name, whether the override quoted it or not. The file
// may spell it nested or quoted; whatever spelling it has is replaced.
func (st *setter) setting(table, name []string, val any) {
	shown := showKey(table)
	if len(name) == 0 {
		st.fail(fmt.Sprintf(`set one setting: --set %s."NAME"=VALUE, e.g. --set sysctl.server."net.core.somaxconn"=4096`, shown), "%s is a table, not a value", shown)
		return
	}
	full := strings.Join(name, ".")
	if !st.once(strings.Join(table, ".") + "\x00" + full) {
		return
	}
	cur, path := st.root, ""
	for i, k := range table {
		path = join(path, k)
		switch v := cur[k].(type) {
		case map[string]any:
			cur = v
		case nil:
			sub := map[string]any{}
			cur[k] = sub
			st.mark(path)
			cur = sub
		default:
			at := showKey(table[:i+1])
			st.fail(fmt.Sprintf("write [%s] as a table in the file", at), "%s holds %s, not a table", at, typeName(v))
			return
		}
	}
	if under := settingUnder(cur, "", full+"."); under != "" {
		st.fail(fmt.Sprintf(`name one setting in full, e.g. --set %s.%q=VALUE`, shown, under), "%s.%s is a group of settings (it holds %s), not one", shown, full, under)
		return
	}
	dropSetting(cur, "", full)
	cur[full] = val
	st.mark(join(path, full))
}

// settingUnder returns the dotted name of a setting of m whose name
// starts with prefix, or "".
func settingUnder(m map[string]any, at, prefix string) string {
	for k, v := range m {
		name := join(at, k)
		sub, isTable := v.(map[string]any)
		switch {
		case !isTable && strings.HasPrefix(name, prefix):
			return name
		case isTable && (strings.HasPrefix(prefix, name+".") || strings.HasPrefix(name+".", prefix)):
			if s := settingUnder(sub, name, prefix); s != "" {
				return s
			}
		}
	}
	return ""
}

// dropSetting removes the setting whose dotted name is name from m, in
// whatever spelling m has it (quoted, nested or a mix).
func dropSetting(m map[string]any, at, name string) {
	for k, v := range m {
		full := join(at, k)
		if full == name {
			delete(m, k)
			continue
		}
		if sub, ok := v.(map[string]any); ok && strings.HasPrefix(name, full+".") {
			dropSetting(sub, full, name)
		}
	}
}

// mark records that the override wrote path (or created it).
func (st *setter) mark(path string) {
	if _, ok := st.marks[path]; !ok {
		st.marks[path] = st.o.String()
	}
}
