package scenarios

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadRefuses: what is not a small regular file is refused at once,
// and a path is never replaced by a built-in.
func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", 10<<20)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ arg, want string }{
		{"./no/such/million.toml", "./no/such/million.toml: no such file; fix: check the path"},
		{"no-such.toml", "no-such.toml: no such file"},
		{"scenarios/million.toml", "scenarios/million.toml: no such file"}, // not from this directory
		{fifo, fifo + ": not a regular file (a FIFO)"},
		{"/dev/zero", "/dev/zero: not a regular file (a character device)"},
		{dir, dir + ": not a regular file (a directory)"},
		{big, big + ": the file is larger than 1,048,576 bytes"},
		{"no-such-builtin", "no-such-builtin: no built-in scenario of that name"},
	} {
		start := time.Now()
		_, err := Load(tt.arg)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("Load(%q) = %v; want %q wrapping ErrInvalid", tt.arg, err, tt.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Load(%q) took %v", tt.arg, d)
		}
	}
}

// TestParseHostileFast: large or deeply nested text is refused, and text
// near the limits is decided quickly (no quadratic work).
func TestParseHostileFast(t *testing.T) {
	many := &strings.Builder{}
	many.WriteString(minimal + "[host]\n")
	for i := 0; many.Len() < MaxFileSize-64; i++ {
		many.WriteString("\"net.x" + strings.Repeat("y", i%7) + "." + strconv.Itoa(i) + "\" = 1\n")
	}
	wide := &strings.Builder{}
	wide.WriteString(minimal + "[expect]\nerrors-present = [")
	for wide.Len() < MaxFileSize-64 {
		wide.WriteString("\"NOPE\", ")
	}
	wide.WriteString("]\n")
	for _, tt := range []struct {
		name, src, want string
	}{
		{"10 MB", strings.Repeat("#", 10<<20), "t.toml: the file is larger than 1,048,576 bytes"},
		{"deep arrays", "x = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000), "t.toml:1: arrays and tables nest deeper than 16 levels"},
		{"deep inline tables", "x = " + strings.Repeat("{a=", 1000) + "1" + strings.Repeat("}", 1000), "t.toml:1: arrays and tables nest deeper than 16 levels"},
		{"deep dotted keys", minimal + "[host]\n" + strings.Repeat("a.", 5000) + "b = 1\n", "t.toml:8: a dotted key has more than 16 parts"},
		{"dotted keys past the settings depth", minimal + "[host]\n" + strings.Repeat("a.", 10) + "b = 1\n", "nests deeper than 8 parts"},
		{"deep inline dotted keys", "x = { " + strings.Repeat("a.", 5000) + "b = 1 }\n", "t.toml:1: a dotted key has more than 16 parts"},
		{"deep header", "[" + strings.Repeat("a.", 5000) + "b]\n", "t.toml:1: a dotted key has more than 16 parts"},
		{"many host keys", many.String(), "[host] net.x.0 is not on the allowlist"},
		{"wide list", wide.String(), "unknown errno name \"NOPE\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse("t.toml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse = %.200v; want %q wrapping ErrInvalid", err, tt.want)
			}
			if d := time.Since(start); d > 10*time.Second { // generous: the machine is shared; quadratic work takes minutes
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestCheckScale(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, -1, 10.5} {
		if err := CheckScale(f); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckScale(%v) = %v; want an ErrInvalid", f, err)
		}
	}
	for _, f := range []float64{1e-6, 0.1, 1, 10} {
		if err := CheckScale(f); err != nil {
			t.Errorf("CheckScale(%v) = %v", f, err)
		}
	}
	s := mustLoad(t, "million")
	if got := s.Scaled(math.NaN()).Client.Connections; got != s.Client.Connections {
		t.Errorf("Scaled(NaN) = %d connections; want the scenario whole", got)
	}
}
