package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// limitColumns is the preferred column order of the plan's "limits" table.
var limitColumns = []string{"name", "need", "have", "unit", "ok", "fix"}

// planTables renders the plan generically: its scalar fields (nested
// objects flattened to dotted keys) as one table, and every array of
// objects — "limits" first — as a table of its own.
func planTables(plan any) []table {
	data, err := json.Marshal(plan)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil || len(m) == 0 {
		return nil
	}
	fields := table{title: "Plan", head: []string{"", ""}}
	var arrays []table
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			key := prefix + k
			switch v := m[k].(type) {
			case map[string]any:
				walk(key+".", v)
			case []any:
				if t, ok := objectTable(key, v); ok {
					arrays = append(arrays, t)
				} else {
					fields.rows = append(fields.rows, []string{key, scalarList(v)})
				}
			default:
				s, _ := scalar(v)
				fields.rows = append(fields.rows, []string{key, s})
			}
		}
	}
	walk("", m)
	sort.SliceStable(arrays, func(i, j int) bool { return arrays[i].title == "Plan: limits" && arrays[j].title != "Plan: limits" })
	var out []table
	if len(fields.rows) > 0 {
		out = append(out, fields)
	}
	return append(out, arrays...)
}

// objectTable renders an array of objects as a table with one column per
// key (at most maxTableColumns); ok is false when some element is not an
// object.
func objectTable(key string, items []any) (table, bool) {
	if len(items) == 0 {
		return table{}, false
	}
	seen := map[string]bool{}
	for _, it := range items {
		o, ok := it.(map[string]any)
		if !ok {
			return table{}, false
		}
		for k := range o {
			seen[k] = true
		}
	}
	var cols []string
	for _, c := range limitColumns {
		if seen[c] {
			cols = append(cols, c)
			delete(seen, c)
		}
	}
	cols = append(cols, slices.Sorted(maps.Keys(seen))...)
	t := table{title: "Plan: " + key, head: cols}
	if len(cols) > maxTableColumns {
		// Objects with distinct keys would make a table of rows × keys
		// cells, nearly all empty: show the first columns and say so.
		t.note = fmt.Sprintf("The objects have %d different keys; the first %d are shown.", len(cols), maxTableColumns)
		cols = cols[:maxTableColumns]
		t.head = cols
	}
	for _, it := range items {
		o := it.(map[string]any)
		row := make([]string, len(cols))
		for i, c := range cols {
			if s, ok := scalar(o[c]); ok {
				row[i] = s
			} else {
				b, _ := json.Marshal(o[c])
				row[i] = string(b)
			}
			if c == "ok" {
				if b, isBool := o[c].(bool); isBool {
					row[i] = map[bool]string{true: "✔ ok", false: "✘ NO"}[b]
				}
			}
		}
		t.rows = append(t.rows, row)
	}
	return t, true
}

// scalarList joins an array's elements for one table cell.
func scalarList(v []any) string {
	parts := make([]string, len(v))
	for i, x := range v {
		if s, ok := scalar(x); ok {
			parts[i] = s
		} else {
			b, _ := json.Marshal(x)
			parts[i] = string(b)
		}
	}
	return strings.Join(parts, ", ")
}

// timeText formats a time in UTC, or "" for the zero time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
