package procfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFirstInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1248\t0\t9223372036854775807\n", 1248, true},
		{"-1\n", -1, true},
		{"  42", 42, true},
		{"soon 1", 0, false},
		{"", 0, false},
		{"\n", 0, false},
	} {
		if got, ok := FirstInt([]byte(tc.in)); got != tc.want || ok != tc.ok {
			t.Errorf("FirstInt(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestReadFileAndInt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file-nr")
	if err := os.WriteFile(path, []byte("1248\t0\t100000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if v, ok := ReadInt(path); v != 1248 || !ok {
		t.Errorf("ReadInt = %d, %v; want 1248, true", v, ok)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if data := ReadFile(missing); data != nil {
		t.Errorf("ReadFile(missing) = %q, want nil", data)
	}
	if v, ok := ReadInt(missing); v != 0 || ok {
		t.Errorf("ReadInt(missing) = %d, %v; want 0, false", v, ok)
	}
}

func FuzzFirstInt(f *testing.F) {
	f.Add([]byte("1248\t0\t100000\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		FirstInt(data)
	})
}
