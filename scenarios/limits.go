package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"syscall"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// Input limits: a scenario is a small text file, and anything else is
// refused before it is parsed.
const (
	// MaxFileSize is the largest scenario file accepted (1 MiB).
	MaxFileSize = 1 << 20
	// MaxNesting is the deepest nesting of arrays and inline tables.
	MaxNesting = 16
	// MaxKeyDepth is the most parts of a dotted key in a settings table.
	MaxKeyDepth = 8
	// MaxKeyParts is the most parts of any dotted key in the file.
	MaxKeyParts = 16
	// MaxScale is the largest --scale factor.
	MaxScale = 10
	// MaxOverrides is the most --set overrides one scenario takes.
	MaxOverrides = 64
	// MaxSweepValues is the most values one swept key takes.
	MaxSweepValues = 64
	// MaxOverrideKey is the longest key of an override, in bytes; it has
	// at most MaxKeyDepth segments.
	MaxOverrideKey = 256
	// MaxOverrideValue is the longest value of an override, in bytes.
	MaxOverrideValue = 4096
)

// CheckScale checks a --scale factor: finite and in (0, MaxScale]. The
// error wraps ErrInvalid (exit status 2) and says what to write.
func CheckScale(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > MaxScale {
		return fmt.Errorf("%w: --scale %v: use a number above 0 and at most %d, e.g. --scale 0.1 for a tenth of every count", ErrInvalid, f, MaxScale)
	}
	return nil
}

// isPath reports whether a scenario argument names a file: it has a '/'
// or ends in .toml. A path is never replaced by a built-in scenario.
func isPath(arg string) bool {
	return strings.Contains(arg, "/") || strings.HasSuffix(arg, ".toml")
}

// readScenarioFile reads a scenario file within the limits: it must be a
// regular file of at most MaxFileSize bytes. It is opened non-blocking
// and checked with fstat before any read, so a FIFO, a device such as
// /dev/zero or a directory is refused at once instead of hanging or
// filling memory.
func readScenarioFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: path, Msg: "no such file",
				Fix: "check the path; built-in scenarios are named without a directory or .toml (c1m-testbed list)"}
		}
		return nil, fmt.Errorf("failed to open scenario %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("failed to stat scenario %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{File: path, Msg: fmt.Sprintf("not a regular file (%s)", fileKind(fi.Mode())),
			Fix: "give the path of a .toml file"}
	}
	if fi.Size() > MaxFileSize {
		return nil, tooBig(path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read scenario %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, tooBig(path)
	}
	return data, nil
}

func tooBig(name string) error {
	return &Error{File: name, Msg: fmt.Sprintf("the file is larger than %s bytes", units.Int(MaxFileSize)),
		Fix: "a scenario is a short text file; start from a built-in one (c1m-testbed list)"}
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// checkNesting refuses text whose arrays and inline tables nest deeper
// than MaxNesting, or whose dotted keys have more than MaxKeyParts parts,
// before the TOML parser sees it (the parser's work grows with the square
// of a key's parts). It skips strings and comments; it runs in one pass.
func checkNesting(name, src string) error {
	var openers []byte // '[' or '{' of the arrays and inline tables around
	line, dots := 1, 0
	inKey := true // at a key: a line's start, or after '{' or ',' in an inline table
	fail := func(msg string) error {
		return &Error{File: name, Line: line, Msg: msg, Fix: "a scenario needs at most two levels; see docs/scenario-format.md"}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '\n':
			line++
			if len(openers) == 0 {
				inKey, dots = true, 0
			}
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case '"', '\'':
			triple := strings.HasPrefix(src[i:], strings.Repeat(string(c), 3))
			if triple {
				i += 3
				end := strings.Index(src[i:], strings.Repeat(string(c), 3))
				if end < 0 {
					return nil // unterminated: the parser says so
				}
				line += strings.Count(src[i:i+end], "\n")
				i += end + 2
				continue
			}
			for i++; i < len(src) && src[i] != c && src[i] != '\n'; i++ {
				if c == '"' && src[i] == '\\' {
					i++
				}
			}
			if i < len(src) && src[i] == '\n' {
				i--
			}
		case '.':
			if inKey {
				if dots++; dots >= MaxKeyParts {
					return fail(fmt.Sprintf("a dotted key has more than %d parts", MaxKeyParts))
				}
			}
		case '=':
			inKey = false
		case ',':
			if n := len(openers); n > 0 && openers[n-1] == '{' {
				inKey, dots = true, 0
			}
		case '[', '{':
			if inKey && c == '[' && len(openers) == 0 {
				continue // a table header: its name is a key
			}
			if openers = append(openers, c); len(openers) > MaxNesting {
				return fail(fmt.Sprintf("arrays and tables nest deeper than %d levels", MaxNesting))
			}
			inKey, dots = c == '{', 0
		case ']', '}':
			if n := len(openers); n > 0 {
				openers = openers[:n-1]
			}
		}
	}
	return nil
}
