package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// table is a titled grid of text shared by the HTML and Markdown writers.
type table struct {
	title string
	head  []string
	rows  [][]string
	note  string // shown under the title
}

// kv makes a two-column table from alternating label, value pairs.
func kv(title string, pairs ...string) table {
	t := table{title: title, head: []string{"", ""}}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			t.rows = append(t.rows, []string{pairs[i], pairs[i+1]})
		}
	}
	return t
}

// num formats a count with thousands separators: 1234567 → "1,234,567";
// non-integers keep up to two decimals.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if v != math.Trunc(v) || math.Abs(v) >= 1e15 {
		if math.Abs(v) >= 100 {
			return group(strconv.FormatFloat(v, 'f', 0, 64))
		}
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return group(strconv.FormatFloat(v, 'f', 0, 64))
}

func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// bytesIEC formats a byte count: 1536 → "1.5 KiB".
func bytesIEC(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return num(math.Round(v)) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// heldText is the verdict of an expectation.
func heldText(b bool) string {
	if b {
		return "✔ held"
	}
	return "✘ FAILED"
}

// ratio formats v against base: "×1.25"; "same" when both are zero, "–" when only base is.
func ratio(v, base float64) string {
	if base == 0 {
		if v == 0 {
			return "same"
		}
		return "–"
	}
	return "×" + strconv.FormatFloat(v/base, 'f', 2, 64)
}

// scalar formats a decoded JSON scalar; ok is false for objects and arrays.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return yesNo(x), true
	case float64:
		return num(x), true
	case int, int64, uint64:
		return fmt.Sprint(x), true
	}
	return "", false
}
