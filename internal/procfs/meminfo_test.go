package procfs

import "testing"

func TestParseMeminfo(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]int64
	}{
		{"kB and plain", "MemTotal:       24000000 kB\nMemAvailable:   1000 kB\nHugePages_Total:       0\n",
			map[string]int64{"MemTotal": 24000000 * 1024, "MemAvailable": 1000 * 1024, "HugePages_Total": 0}},
		{"smaps_rollup", "55d0c0de0000-7ffc0de00000 ---p 00000000 00:00 0    [rollup]\nRss:   2048 kB\nPss:    512 kB\n",
			map[string]int64{"Rss": 2048 * 1024, "Pss": 512 * 1024}},
		{"not a number", "MemTotal: lots kB\nSlab: 4 kB\n", map[string]int64{"Slab": 4096}},
		{"one field", "MemTotal:\n", map[string]int64{}},
		{"empty", "", map[string]int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseMeminfo([]byte(tc.in))
			if len(got) != len(tc.want) {
				t.Fatalf("ParseMeminfo(%q) = %v, want %v", tc.in, got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("ParseMeminfo(%q)[%s] = %d, want %d", tc.in, k, got[k], v)
				}
			}
		})
	}
}

func FuzzParseMeminfo(f *testing.F) {
	f.Add([]byte("MemTotal:       24000000 kB\nHugePages_Total:       0\n"))
	f.Add([]byte("Pss: 9223372036854775807 kB\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseMeminfo(data)
	})
}
