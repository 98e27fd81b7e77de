package units

import (
	"math"
	"testing"
)

func TestFormats(t *testing.T) {
	for _, tt := range []struct {
		name, got, want string
	}{
		{"count", Count(1234567), "1,234,567"},
		{"negative count", Count(-1234), "-1,234"},
		{"small fraction", Count(12.345), "12.35"},
		{"large fraction", Count(1234.5), "1,234"},
		{"NaN count", Count(math.NaN()), "NaN"},
		{"int", Int(1000000), "1,000,000"},
		{"int below a thousand", Int(999), "999"},
		{"int of five digits", Int(28232), "28,232"},
		{"negative int", Int(-1234), "-1,234"},
		{"smallest int", Int(math.MinInt64), "-9,223,372,036,854,775,808"},
		{"bytes", Bytes(512), "512 B"},
		{"KiB", Bytes(1536), "1.5 KiB"},
		{"GiB", Bytes(3 << 30), "3.0 GiB"},
		{"µs", Seconds(0.000812), "812 µs"},
		{"ms", Seconds(0.0123), "12.3 ms"},
		{"s", Seconds(1.02), "1.02 s"},
		{"ns", Seconds(5e-9), "5.00 ns"},
		{"zero", Seconds(0), "0"},
		{"infinite", Seconds(math.Inf(1)), "—"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
