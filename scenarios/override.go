package scenarios

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// Override is one --set KEY=VALUE: a scenario key by its path as written in a file, and its value in TOML syntax.
type Override struct {
	// Key is the key's dotted path: "client.connections",
	// `sysctl.server."net.ipv4.tcp_rmem"`, "phase.2.interval" (phases
	// count from 1).
	Key string `json:"key"`
	// Value is the value as given: a TOML value ("true", "[80, 8080]",
	// "\"x\"") or else a bare string ("10k", "4096 87380 6291456").
	Value string `json:"value"`
}

// String returns the override as it is written: "KEY=VALUE".
func (o Override) String() string { return o.Key + "=" + o.Value }

// setFix is the fix for an override that is not KEY=VALUE.
const setFix = `write --set KEY=VALUE, e.g. --set client.connections=20k or --set sysctl.server."net.core.somaxconn"=4096 (docs/scenario-format.md)`

// ParseOverride reads one --set argument, "KEY=VALUE": the key is what
// comes before the first '=' outside quotes, and both are trimmed of
// blanks. It checks the key's syntax and the bounds (MaxOverrideKey,
// MaxOverrideValue, MaxKeyDepth segments); whether the key exists and
// the value fits it is for ParseWith to say. The error is an *Error
// wrapping ErrInvalid.
func ParseOverride(s string) (Override, error) {
	if len(s) > MaxOverrideKey+1+MaxOverrideValue {
		return Override{}, &Error{Set: clip(s), Msg: fmt.Sprintf("longer than %d bytes", MaxOverrideKey+1+MaxOverrideValue),
			Fix: fmt.Sprintf("keep the key within %d bytes and the value within %d", MaxOverrideKey, MaxOverrideValue)}
	}
	i := keyEnd(s)
	if i < 0 {
		return Override{}, &Error{Set: s, Msg: "no '=' between the key and its value", Fix: setFix}
	}
	o := Override{Key: strings.TrimSpace(s[:i]), Value: strings.TrimSpace(s[i+1:])}
	if msg, fix := o.check(); msg != "" {
		return Override{}, &Error{Set: s, Msg: msg, Fix: fix}
	}
	return o, nil
}

// ParseSweep reads one swept --set argument, "KEY=V1,V2,…": the values
// are split on the commas outside brackets, braces and quotes (so
// "[80,8080],[81]" is two values), each trimmed of blanks. An empty
// value, a value given twice and more than MaxSweepValues values are
// refused, as is a key ParseOverride would refuse. The error is an
// *Error wrapping ErrInvalid.
func ParseSweep(s string) (key string, values []string, err error) {
	if len(s) > MaxOverrideKey+1+MaxSweepValues*(MaxOverrideValue+1) {
		return "", nil, &Error{Set: clip(s), Msg: "too long", Fix: fmt.Sprintf("sweep at most %d values of at most %d bytes each", MaxSweepValues, MaxOverrideValue)}
	}
	i := keyEnd(s)
	if i < 0 {
		return "", nil, &Error{Set: s, Msg: "no '=' between the key and its values", Fix: "write --set KEY=V1,V2,…, e.g. --set client.connections=10k,20k,40k"}
	}
	key = strings.TrimSpace(s[:i])
	values, msg, fix := splitValues(s[i+1:])
	if msg == "" {
		msg, fix = Override{Key: key}.check()
	}
	for j, v := range values {
		if msg != "" {
			break
		}
		msg, fix = Override{Key: key, Value: v}.check()
		if msg == "" && v == "" {
			msg, fix = fmt.Sprintf("value %d is empty", j+1), "write each value between the commas, e.g. --set client.connections=10k,20k; quote a value that is the empty string: \"\""
		}
		for _, w := range values[:j] {
			if msg == "" && w == v {
				msg, fix = fmt.Sprintf("%s is given twice", v), "give each value once"
			}
		}
	}
	if msg != "" {
		return "", nil, &Error{Set: s, Msg: msg, Fix: fix}
	}
	return key, values, nil
}

// splitValues splits a sweep's values on the commas outside brackets,
// braces and quotes, trimming each.
func splitValues(s string) (values []string, msg, fix string) {
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'':
			j := closingQuote(s, i)
			if j < 0 {
				return nil, "a quote is not closed", `close each quoted value: --set client.message="a,b","c"`
			}
			i = j
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth < 0 {
				return nil, fmt.Sprintf("%q closes nothing", string(c)), "write lists whole, e.g. --set topology.server-ports=[80,8080],[81]"
			}
		case ',':
			if depth == 0 {
				values = append(values, strings.TrimSpace(s[start:i]))
				start = i + 1
				if len(values) >= MaxSweepValues {
					return nil, fmt.Sprintf("more than %d values", MaxSweepValues), fmt.Sprintf("sweep at most %d values of one key", MaxSweepValues)
				}
			}
		}
	}
	if depth > 0 {
		return nil, "a '[' or '{' is not closed", "write lists whole, e.g. --set topology.server-ports=[80,8080],[81]"
	}
	return append(values, strings.TrimSpace(s[start:])), "", ""
}

// keyEnd returns the index of the first '=' of s outside quotes, or -1.
func keyEnd(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '=':
			return i
		case '"', '\'':
			j := closingQuote(s, i)
			if j < 0 {
				return -1
			}
			i = j
		}
	}
	return -1
}

// closingQuote returns the index of the quote that closes the one at
// s[i] (a basic string's backslash escapes skipped), or -1.
func closingQuote(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case q == '"' && s[j] == '\\':
			j++
		case s[j] == q:
			return j
		}
	}
	return -1
}

// check checks an override's bounds and key syntax; it returns what is
// wrong and the fix, or "".
func (o Override) check() (msg, fix string) {
	switch {
	case o.Key == "":
		return "the key is empty", setFix
	case len(o.Key) > MaxOverrideKey:
		return fmt.Sprintf("the key is longer than %d bytes", MaxOverrideKey), "name a key of the scenario, e.g. client.connections"
	case len(o.Value) > MaxOverrideValue:
		return fmt.Sprintf("the value is longer than %d bytes", MaxOverrideValue), "edit a copy of the scenario file for a value this long"
	case !oneLine(o.Key) || !oneLine(o.Value):
		return "the key and the value must be one line without control characters", `write escapes inside a quoted value instead, e.g. --set client.message="hi\n"`
	}
	_, msg, fix = keyPath(o.Key)
	return msg, fix
}

// oneLine reports whether s holds no control character.
func oneLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// keyPath splits an override's key into its segments: bare words
// (letters, digits, '_', '-') or quoted strings (TOML basic or literal),
// joined by dots, at most MaxKeyDepth of them. It returns what is wrong
// and the fix when the key is not such a path.
func keyPath(key string) (segs []string, msg, fix string) {
	quoteFix := `quote a segment that holds other characters than letters, digits, '_' and '-', e.g. sysctl.server."net.ipv4.tcp_rmem"`
	i := 0
	for {
		i = skipBlanks(key, i)
		if i >= len(key) {
			if len(segs) == 0 {
				return nil, "the key is empty", setFix
			}
			return nil, "the key ends with a dot", "name a key after each dot, e.g. client.connections"
		}
		var seg string
		switch c := key[i]; {
		case c == '"' || c == '\'':
			j := closingQuote(key, i)
			if j < 0 {
				return nil, "a quote in the key is not closed", quoteFix
			}
			seg = key[i+1 : j]
			if c == '"' {
				var m map[string]string
				if _, err := toml.Decode("k = "+key[i:j+1], &m); err != nil {
					return nil, fmt.Sprintf("%s is not a quoted name", key[i:j+1]), quoteFix
				}
				seg = m["k"]
			}
			i = j + 1
		case isBare(c):
			j := i
			for j < len(key) && isBare(key[j]) {
				j++
			}
			seg, i = key[i:j], j
		case c == '[' || c == ']':
			return nil, bracketMsg(segs), bracketFix(segs)
		case c == '.':
			return nil, "the key has an empty segment", "name each segment, e.g. client.connections"
		default:
			return nil, fmt.Sprintf("%q cannot be part of a bare key", key[i:i+1]), quoteFix
		}
		if seg == "" {
			return nil, "the key has an empty segment", "name each segment, e.g. client.connections"
		}
		if segs = append(segs, seg); len(segs) > MaxKeyDepth {
			return nil, fmt.Sprintf("the key has more than %d segments", MaxKeyDepth), `write a sysctl's dotted name in quotes as one segment, e.g. sysctl.server."net.ipv4.tcp_rmem"`
		}
		i = skipBlanks(key, i)
		switch {
		case i == len(key):
			return segs, "", ""
		case key[i] == '.':
			i++
		case key[i] == '[':
			return nil, bracketMsg(segs), bracketFix(segs)
		default:
			return nil, fmt.Sprintf("%q after %s: segments are joined by dots", key[i:i+1], showKey(segs)), quoteFix
		}
	}
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func bracketMsg(segs []string) string {
	if len(segs) > 0 && segs[0] == "phase" {
		return "a phase is named phase.N, not phase[N]"
	}
	return "a key path has no brackets"
}

func bracketFix(segs []string) string {
	if len(segs) > 0 && segs[0] == "phase" {
		return "write phase.N.KEY with N counted from 1, as messages count phases, e.g. --set phase.2.duration=10s"
	}
	return "join the segments with dots; set a list whole, e.g. --set topology.server-ports=[80,8080]"
}

// showKey writes segments back as a key path, quoting those that are
// not bare words.
func showKey(segs []string) string {
	parts := make([]string, len(segs))
	for i, s := range segs {
		parts[i] = s
		for j := 0; j < len(s); j++ {
			if !isBare(s[j]) {
				parts[i] = fmt.Sprintf("%q", s)
				break
			}
		}
	}
	return strings.Join(parts, ".")
}

// clip shortens an overlong argument for a message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:64] + "…"
}
