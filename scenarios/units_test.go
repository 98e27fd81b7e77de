package scenarios

import "testing"

func TestParseCount(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1000000", 1000000, false},
		{"1_000_000", 1000000, false},
		{"1,000,000", 1000000, false},
		{"1M", 1000000, false},
		{"1.5M", 1500000, false},
		{"200k", 200000, false},
		{"40K", 40000, false},
		{" 7 ", 7, false},
		{"0", 0, false},
		{"-5", 0, true},
		{"1.5", 0, true},
		{"1e6", 0, true},
		{"k", 0, true},
		{"", 0, true},
		{"1 million", 0, true},
		{"NaN", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseCount(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseCount(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"4096", 4096, false},
		{"4KiB", 4096, false},
		{"4KB", 4000, false},
		{"4k", 4000, false},
		{"1MiB", 1 << 20, false},
		{"2GiB", 2 << 30, false},
		{"10 B", 10, false},
		{"4 kilobytes", 0, true},
		{"-1KiB", 0, true},
		{"99999999999GiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseCondition(t *testing.T) {
	tests := []struct {
		in      string
		want    Condition
		wantErr bool
	}{
		{"established>=1M", Condition{"established", ">=", 1000000}, false},
		{"established <= 10", Condition{"established", "<=", 10}, false},
		{"errors>=1", Condition{"errors", ">=", 1}, false},
		{"sockets-gone", Condition{Metric: "sockets-gone"}, false},
		{"errors<=1", Condition{}, true},
		{"established > 10", Condition{}, true},
		{"tw>=1", Condition{}, true},
	}
	for _, tt := range tests {
		got, err := ParseCondition(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseCondition(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
