package printable

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain name-1.2", "plain name-1.2"},
		{"tab\tok", "tab\tok"},
		{"é ü 漢字", "é ü 漢字"},
		{`a\b`, `a\b`},
		{"line\nbreak", `line\nbreak`},
		{"hide\rrun as root chmod u+s", `hide\rrun as root chmod u+s`},
		{"\x1b[2J\x1b[Hall expectations held", `\x1b[2J\x1b[Hall expectations held`},
		{"rtl \u202eevil", `rtl \u202eevil`},
		{"isolate \u2066x\u2069", `isolate \u2066x\u2069`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"c1 \u0085 next line", `c1 \x85 next line`},
		{"back\\slash \x07", `back\\slash \x07`},
		{"sep \u2028", `sep \u2028`},
	} {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Strings([]string{"a", "\x1b"}); got[0] != "a" || got[1] != `\x1b` {
		t.Errorf("Strings: %q", got)
	}
}

// FuzzString: the result never holds a byte that moves the cursor or
// reorders text, is valid UTF-8, and is the input itself when the input
// needs nothing escaped.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "abc", "\x1b[31m", "\u202e", "\xff\xfe", "a\\b\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q is not valid UTF-8", s, got)
		}
		for _, r := range got {
			if unsafe(r) {
				t.Fatalf("String(%q) = %q still holds %U", s, got, r)
			}
		}
		if clean(s) && got != s {
			t.Fatalf("String(%q) = %q changed clean text", s, got)
		}
		if !clean(s) && strings.Count(got, `\`) < strings.Count(s, `\`) {
			t.Fatalf("String(%q) = %q lost a backslash", s, got)
		}
	})
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc…"},
		{"ééé", 3, "é…"}, // cut at a rune boundary, never inside é
		{"a\x1b[2Jb", 40, `a\x1b[2Jb`},
	} {
		if got := Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
