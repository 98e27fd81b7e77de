package main

import (
	"reflect"
	"testing"
)

func TestReorderFlags(t *testing.T) {
	fs := newFlags("run", "", "", "")
	fs.String("out", "", "")
	fs.Float64("scale", 1, "")
	fs.Bool("clean", false, "")
	fs.String("node-exe", "", "")
	for _, tc := range []struct{ in, want []string }{
		{[]string{"million", "--scale", "0.1"}, []string{"--scale", "0.1", "million"}},
		{[]string{"smoke", "--node-exe", "bin/c1m-node", "--clean", "--out", "d"}, []string{"--node-exe", "bin/c1m-node", "--clean", "--out", "d", "smoke"}},
		{[]string{"--clean", "smoke"}, []string{"--clean", "smoke"}},
		{[]string{"smoke", "--out=d"}, []string{"--out=d", "smoke"}},
		{[]string{"--", "-weird-name"}, []string{"-weird-name"}},
	} {
		if got := reorder(fs, tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("reorder(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
