// Package printable makes text from untrusted input (scenario files,
// remote logs, results directories) safe to print: what it returns shows
// every byte that could move the cursor, change colours, reorder the line
// or hide the text after it, escaped, and leaves the rest as it was.
package printable

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s with control characters (C0 but tab, DEL, C1),
// bidirectional formatting characters (LRE, RLE, PDF, LRO, RLO, LRI, RLI,
// FSI, PDI, LRM, RLM, ALM), line and paragraph separators and invalid
// UTF-8 written as Go escapes (\r, \x1b, \u202e, \xff); plain text,
// including every other non-ASCII letter, is unchanged. A string that
// needs no escape is returned as is, without allocating.
func String(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case unsafe(r):
			switch r {
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			default:
				if r < 0x100 {
					fmt.Fprintf(&b, `\x%02x`, r)
				} else {
					fmt.Fprintf(&b, `\u%04x`, r)
				}
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Strings returns every element of list through String.
func Strings(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = String(s)
	}
	return out
}

// clean reports whether s needs no escape (a backslash alone does not
// mislead, but once anything is escaped backslashes are doubled so the
// escapes can be read back).
func clean(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafe(r) {
			return false
		}
		i += n
	}
	return true
}

// unsafe reports whether r can change how the text around it is shown.
func unsafe(r rune) bool {
	switch {
	case r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidirectional formatting
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	}
	return false
}

// Clip returns s cut to at most n bytes (at a rune boundary, with "…"
// when cut) and escaped as String does: a name from untrusted input made
// fit for one cell of a terminal table.
func Clip(s string, n int) string {
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return String(s)
}
