package scenarios

import (
	"fmt"
	"strings"
)

// pos is a place in a scenario file, starting at line 1, column 1, or,
// when set is not empty, the override ("KEY=VALUE") that wrote the key.
type pos struct {
	line, col int
	set       string
}

// positions maps a key path ("server.backlog", "phase[1].kind",
// "host.fs.file-max") to where the key and its value start. The TOML library
// keeps key positions to itself, so this small scanner finds them again; it
// runs only on text the TOML parser has accepted and never fails.
//
// set maps the paths that overrides wrote (and the tables they created
// on the way) to the override, "KEY=VALUE": a path at or under one of
// them is placed there, not in the file, whose positions under it are
// of a value that is gone.
type positions struct {
	key map[string]pos
	val map[string]pos
	set map[string]string
}

// keyAt returns the position of path's key, or of its nearest ancestor.
func (p positions) keyAt(path string) pos {
	if o, ok := p.overridden(path); ok {
		return o
	}
	return p.lookup(p.key, path)
}

// valAt returns the position of path's value, or of its key or an ancestor.
func (p positions) valAt(path string) pos {
	if o, ok := p.overridden(path); ok {
		return o
	}
	if v, ok := p.val[path]; ok {
		return v
	}
	return p.lookup(p.key, path)
}

// written reports whether the scenario gives path a value, in the file
// or by an override.
func (p positions) written(path string) bool {
	_, inFile := p.val[path]
	_, set := p.set[path]
	return inFile || set
}

// overridden returns the override that wrote path or its nearest
// ancestor written by one.
func (p positions) overridden(path string) (pos, bool) {
	if len(p.set) == 0 {
		return pos{}, false
	}
	for path != "" {
		if o, ok := p.set[path]; ok {
			return pos{set: o}, true
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return pos{}, false
}

func (p positions) lookup(m map[string]pos, path string) pos {
	for path != "" {
		if v, ok := m[path]; ok {
			return v
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return pos{}
}

// scanner walks TOML text, tracking line and column.
type scanner struct {
	src       string
	i         int
	line      int
	lineStart int
	out       positions
	tables    map[string]int // array-of-tables counters
}

func findPositions(src string) positions {
	s := &scanner{src: src, line: 1, out: positions{key: map[string]pos{}, val: map[string]pos{}}, tables: map[string]int{}}
	s.document()
	return s.out
}

func (s *scanner) here() pos { return pos{line: s.line, col: s.i - s.lineStart + 1} }

func (s *scanner) peek(off int) byte {
	if s.i+off < len(s.src) {
		return s.src[s.i+off]
	}
	return 0
}

func (s *scanner) advance() {
	if s.i >= len(s.src) {
		return
	}
	if s.src[s.i] == '\n' {
		s.line++
		s.lineStart = s.i + 1
	}
	s.i++
}

// skipSpace skips blanks, and newlines and comments when multiline is set.
func (s *scanner) skipSpace(multiline bool) {
	for s.i < len(s.src) {
		switch c := s.src[s.i]; {
		case c == ' ' || c == '\t' || c == '\r':
			s.advance()
		case multiline && c == '\n':
			s.advance()
		case multiline && c == '#':
			s.skipLine()
		default:
			return
		}
	}
}

func (s *scanner) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.advance()
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (s *scanner) document() {
	current := ""
	for s.i < len(s.src) {
		start := s.i
		s.skipSpace(true)
		if s.i >= len(s.src) {
			return
		}
		at := s.here()
		if s.src[s.i] == '[' {
			array := s.peek(1) == '['
			s.advance()
			if array {
				s.advance()
			}
			s.skipSpace(false)
			name := s.key()
			if array {
				n := s.tables[name]
				s.tables[name] = n + 1
				current = fmt.Sprintf("%s[%d]", name, n)
			} else {
				current = name
			}
			s.out.key[current] = at
			s.skipLine()
		} else {
			k := s.key()
			path := join(current, k)
			if _, dup := s.out.key[path]; !dup {
				s.out.key[path] = at
			}
			s.skipSpace(false)
			if s.peek(0) == '=' {
				s.advance()
			}
			s.skipSpace(false)
			s.value(path)
			s.skipLine()
		}
		if s.i == start { // no progress: give up rather than loop
			s.advance()
		}
	}
}

// key reads a dotted key and returns its parts joined with ".".
func (s *scanner) key() string {
	var parts []string
	for s.i < len(s.src) {
		s.skipSpace(false)
		var part strings.Builder
		switch c := s.peek(0); c {
		case '"', '\'':
			s.advance()
			for s.i < len(s.src) && s.src[s.i] != c && s.src[s.i] != '\n' {
				if c == '"' && s.src[s.i] == '\\' {
					s.advance()
				}
				if s.i < len(s.src) {
					part.WriteByte(s.src[s.i])
				}
				s.advance()
			}
			s.advance()
		default:
			for s.i < len(s.src) && isBare(s.src[s.i]) {
				part.WriteByte(s.src[s.i])
				s.advance()
			}
		}
		parts = append(parts, part.String())
		s.skipSpace(false)
		if s.peek(0) != '.' {
			break
		}
		s.advance()
	}
	return strings.Join(parts, ".")
}

func isBare(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// value skips one value, recording positions of what it contains.
func (s *scanner) value(path string) {
	if _, dup := s.out.val[path]; !dup {
		s.out.val[path] = s.here()
	}
	switch c := s.peek(0); c {
	case '"', '\'':
		s.str(c)
	case '[':
		s.advance()
		for n := 0; s.i < len(s.src); n++ {
			s.skipSpace(true)
			if s.peek(0) == ']' || s.i >= len(s.src) {
				break
			}
			before := s.i
			s.value(fmt.Sprintf("%s[%d]", path, n))
			s.skipSpace(true)
			if s.peek(0) == ',' {
				s.advance()
			}
			if s.i == before {
				s.advance()
			}
		}
		s.advance()
	case '{':
		s.advance()
		for s.i < len(s.src) {
			s.skipSpace(false)
			if s.peek(0) == '}' || s.peek(0) == '\n' {
				break
			}
			before := s.i
			at := s.here()
			k := join(path, s.key())
			s.out.key[k] = at
			s.skipSpace(false)
			if s.peek(0) == '=' {
				s.advance()
			}
			s.skipSpace(false)
			s.value(k)
			s.skipSpace(false)
			if s.peek(0) == ',' {
				s.advance()
			}
			if s.i == before {
				s.advance()
			}
		}
		s.advance()
	default:
		for s.i < len(s.src) && !strings.ContainsRune(",]}\n#", rune(s.src[s.i])) {
			s.advance()
		}
	}
}

// str skips a basic or literal string, single- or multi-line.
func (s *scanner) str(q byte) {
	if s.peek(1) == q && s.peek(2) == q {
		s.advance()
		s.advance()
		s.advance()
		for s.i < len(s.src) {
			if s.peek(0) == q && s.peek(1) == q && s.peek(2) == q {
				s.advance()
				s.advance()
				s.advance()
				for s.peek(0) == q { // up to two quotes may close the content
					s.advance()
				}
				return
			}
			if q == '"' && s.peek(0) == '\\' {
				s.advance()
			}
			s.advance()
		}
		return
	}
	s.advance()
	for s.i < len(s.src) && s.src[s.i] != q && s.src[s.i] != '\n' {
		if q == '"' && s.src[s.i] == '\\' {
			s.advance()
		}
		s.advance()
	}
	s.advance()
}
