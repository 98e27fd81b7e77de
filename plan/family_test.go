package plan

import (
	"testing"

	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// TestFamilyPairsAndListeners: dual stack doubles the (source, server,
// port) pairs, and each listen mode counts the listeners the workers open.
func TestFamilyPairsAndListeners(t *testing.T) {
	for _, tc := range []struct {
		family, listen   string
		pairs, listeners int64
	}{
		{"ipv4", "addresses", 2 * 3 * 2, 2 * 3},
		{"ipv6", "addresses", 2 * 3 * 2, 2 * 3},
		{"dual", "addresses", 2 * 2 * 3 * 2, 2 * 2 * 3},
		{"dual", "any", 2 * 2 * 3 * 2, 2 * 3},
		{"dual", "dual", 2 * 2 * 3 * 2, 3},
		{"ipv6", "any", 2 * 3 * 2, 3},
	} {
		src := "name = \"f\"\n[topology]\nfamily = \"" + tc.family + "\"\nserver-addresses = 2\nserver-ports = 3\nclient-addresses = 2\n" +
			"[server]\nlisten = \"" + tc.listen + "\"\n[client]\nconnections = 1000\n[[phase]]\nkind = \"connect\"\n"
		s, err := scenarios.Parse("t.toml", []byte(src))
		if err != nil {
			t.Fatalf("%s/%s: %v", tc.family, tc.listen, err)
		}
		p, err := New(s, DefaultEnv())
		if err != nil {
			t.Fatalf("%s/%s: %v", tc.family, tc.listen, err)
		}
		if p.Pairs != tc.pairs || p.Listeners != tc.listeners {
			t.Errorf("%s/%s: %d pairs, %d listeners; want %d, %d", tc.family, tc.listen, p.Pairs, p.Listeners, tc.pairs, tc.listeners)
		}
	}
}
