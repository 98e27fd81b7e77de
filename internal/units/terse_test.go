package units

import (
	"testing"
	"time"
)

func TestTerse(t *testing.T) {
	for _, tt := range []struct {
		name, got, want string
	}{
		{"nothing", Duration(0), "-"},
		{"µs", Duration(840 * time.Microsecond), "840 µs"},
		{"ms", Duration(12300 * time.Microsecond), "12.3 ms"},
		{"s", Duration(1020 * time.Millisecond), "1.02 s"},
		{"no errors", ErrorCounts(nil), "none"},
		{"errors", ErrorCounts(map[string]int64{"ETIMEDOUT": 3, "EMFILE": 12, "EAGAIN": 3}), "EMFILE=12 EAGAIN=3 ETIMEDOUT=3"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
