package procfs

import "testing"

func TestParseCPUModel(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"x86", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\nmodel name\t: second\n", "Intel(R) Xeon(R) CPU @ 2.20GHz"},
		{"no model name", "processor\t: 0\nBogoMIPS\t: 50.00\n", ""},
		{"model is not model name", "model\t\t: 85\n", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseCPUModel([]byte(tc.in)); got != tc.want {
				t.Errorf("ParseCPUModel = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzParseCPUModel(f *testing.F) {
	f.Add([]byte("model name\t: Intel(R) Xeon(R)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseCPUModel(data)
	})
}
