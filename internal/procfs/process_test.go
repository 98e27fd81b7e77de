package procfs

import (
	"os"
	"strings"
	"testing"
)

// TestFDCountSelf: the fd count of this process matches a listing of
// its /proc/self/fd, and a process that cannot exist has none.
func TestFDCountSelf(t *testing.T) {
	names, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	got := FDCount(os.Getpid())
	if got < 3 || got > int64(len(names))+1 || got < int64(len(names))-1 {
		t.Errorf("FDCount(self) = %d; /proc/self/fd lists %d", got, len(names))
	}
	if n := FDCount(1 << 30); n != 0 {
		t.Errorf("FDCount of a pid that cannot exist = %d", n)
	}
}

// TestPSSSelf: this process has a proportional set size; a process that
// cannot exist has none.
func TestPSSSelf(t *testing.T) {
	if p := PSS(os.Getpid()); p <= 0 {
		t.Errorf("PSS(self) = %d", p)
	}
	if p := PSS(1 << 30); p != 0 {
		t.Errorf("PSS of a pid that cannot exist = %d", p)
	}
}

// TestCmdlineSelf: this process's command line starts with its argv[0].
func TestCmdlineSelf(t *testing.T) {
	if c := Cmdline(os.Getpid()); !strings.HasPrefix(c, os.Args[0]) {
		t.Errorf("Cmdline(self) = %q, want it to start with %q", c, os.Args[0])
	}
	if c := Cmdline(1 << 30); c != "" {
		t.Errorf("Cmdline of a pid that cannot exist = %q", c)
	}
}

func TestParseCmdline(t *testing.T) {
	long := strings.Repeat("a", 600)
	for _, tc := range []struct{ name, in, want string }{
		{"arguments", "c1m-node\x00--role\x00server\x00", "c1m-node --role server"},
		{"no trailing NUL", "sleep\x00100", "sleep 100"},
		{"empty argument kept", "a\x00\x00b\x00", "a  b"},
		{"cut at 512 bytes", long + "\x00", long[:512]},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseCmdline([]byte(tc.in)); got != tc.want {
				t.Errorf("ParseCmdline(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzParseCmdline(f *testing.F) {
	f.Add([]byte("c1m-node\x00--role\x00server\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got := ParseCmdline(data); len(got) > maxCmdline || strings.ContainsRune(got, 0) {
			t.Errorf("ParseCmdline = %q: over %d bytes or holds a NUL", got, maxCmdline)
		}
	})
}
