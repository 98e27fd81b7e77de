package nodes

import (
	"net/netip"
	"testing"
)

// TestAnyIPSources: a prefix's sources are inside the prefix, distinct,
// never the prefix's zero-host (subnet-router) address, the same for the
// same prefix and count, and spread (not the first addresses in a row).
func TestAnyIPSources(t *testing.T) {
	for _, prefix := range []string{"2001:2:0:1::/64", "2001:2::/48", "::/0"} {
		p := netip.MustParsePrefix(prefix)
		const n = 1 << 16
		g, err := parseSourcePrefix(prefix, n)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := parseSourcePrefix(prefix, n)
		seen := make(map[netip.Addr]bool, n)
		var low int
		for i := 0; i < n; i++ {
			a := g.addr(i)
			if !p.Contains(a) {
				t.Fatalf("%s: source %d %s is outside the prefix", prefix, i, a)
			}
			if a == p.Addr() || a.IsUnspecified() {
				t.Fatalf("%s: source %d is the prefix's own address %s", prefix, i, a)
			}
			if seen[a] {
				t.Fatalf("%s: source %d %s repeats an earlier one", prefix, i, a)
			}
			seen[a] = true
			if b := again.addr(i); b != a {
				t.Fatalf("%s: source %d is %s once and %s again", prefix, i, a, b)
			}
			if a.As16()[8] < 0x80 {
				low++
			}
		}
		if low < n/2-n/20 || low > n/2+n/20 {
			t.Errorf("%s: %d of %d sources in the low half of the interface identifiers, want about half", prefix, low, n)
		}
	}
}

// TestAnyIPZeroIdentifier: the one index whose interface identifier
// would be zero gets another, distinct from every index's below the
// maximum count.
func TestAnyIPZeroIdentifier(t *testing.T) {
	// splitmix64 is a bijection: invert it to find the index mapping to 0.
	inv := func(z uint64) uint64 {
		z ^= z>>31 ^ z>>62
		z *= 0x319642b2d24d8ec3 // inverse of 0x94d049bb133111eb
		z ^= z>>27 ^ z>>54
		z *= 0x96de1b173f119089 // inverse of 0xbf58476d1ce4e5b9
		z ^= z>>30 ^ z>>60
		return z - 0x9e3779b97f4a7c15
	}
	k := inv(0)
	if splitmix64(k) != 0 {
		t.Fatalf("the inverse is wrong: splitmix64(%#x) = %#x", k, splitmix64(k))
	}
	g := anyIP{base: netip.MustParseAddr("2001:2:0:1::").As16(), bits: 64, count: MaxSourceCount}
	a := g.addr(int(k))
	if a == netip.MustParseAddr("2001:2:0:1::") {
		t.Fatalf("index %#x gives the subnet-router address", k)
	}
	for i := 0; i < MaxSourceCount; i++ {
		if g.addr(i) == a {
			t.Fatalf("index %d gives %s too", i, a)
		}
	}
}

// TestSourcePrefixRefused: bad prefixes and counts are refused with a
// message that says what to write.
func TestSourcePrefixRefused(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		count  int
	}{
		{"", 10},                       // count without prefix
		{"2001:2:0:1::/64", 0},         // no count
		{"2001:2:0:1::/64", 1<<20 + 1}, // too many
		{"2001:2:0:1::/64", -1},
		{"198.18.0.0/15", 10},        // IPv4
		{"::ffff:198.18.0.0/111", 1}, // IPv4-mapped
		{"2001:2:0:1::/80", 10},      // longer than /64
		{"2001:2:0:1::5/64", 10},     // host bits
		{"2001:2:0:1::", 10},         // no length
		{"[2001:2:0:1::]/64", 10},    // brackets
	} {
		if _, err := parseSourcePrefix(tc.prefix, tc.count); err == nil {
			t.Errorf("prefix %q count %d: accepted", tc.prefix, tc.count)
		} else {
			t.Logf("%q %d: %v", tc.prefix, tc.count, err)
		}
	}
	if g, err := parseSourcePrefix("", 0); err != nil || g.count != 0 {
		t.Errorf("no prefix: %v, %+v", err, g)
	}
}
